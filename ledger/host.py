"""The machine plaint runs on: who its operating system says is running it."""

from __future__ import annotations

import os
from collections.abc import Mapping


def os_user(environ: Mapping[str, str]) -> str:
    """The OS user: `USER` or `LOGNAME`, else the name of the process's real
    user id, else that id (a container may run as an id without a name)."""
    named = environ.get("USER") or environ.get("LOGNAME")
    if named:
        return named
    import pwd  # here: only where the environment does not say

    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)
