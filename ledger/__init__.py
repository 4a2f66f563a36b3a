"""The write side of plaint: complaints, team and policy as encrypted events.

Importing this package is cheap; the application and storage modules, which pull
in the event store, are imported by name where they are needed.
"""
