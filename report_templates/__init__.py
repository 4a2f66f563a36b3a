"""Jinja2 templates for the self-contained HTML reports."""
