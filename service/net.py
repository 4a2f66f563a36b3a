"""Addresses: which name this machine only (the web stack is not needed to tell)."""

from __future__ import annotations

from ipaddress import ip_address


def loopback(host: str) -> bool:
    """Whether `host` names this machine only."""
    if host == "localhost":
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
