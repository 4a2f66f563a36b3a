"""Every write command refused for the actor's role records nothing.

Each command below is one the member may not run, but would be legal for a
member who may: so a role check moved after the save would record an event.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Plaint

WORKERS = "agent, lead, manager or admin"
ROUTERS = "lead, manager or admin"

REFUSALS: list[tuple[str, list[str], str]] = [
    ("lee", ["team", "add", "zed", "--role", "agent"],
     "lee is lead and may not manage the team: that needs the role admin"),
    ("lee", ["team", "role", "bob", "lead"],
     "lee is lead and may not manage the team: that needs the role admin"),
    ("lee", ["team", "remove", "bob"],
     "lee is lead and may not manage the team: that needs the role admin"),
    ("lee", ["team", "password", "bob"],
     "lee is lead and may not set other members' passwords: that needs the role "
     "admin"),
    ("lee", ["team", "password", "bob", "--invite"],
     "lee is lead and may not invite members to set a password: that needs the "
     "role admin"),
    ("lee", ["team", "link", "bob", "--oidc-subject", "s-1"],
     "lee is lead and may not link members to single sign-on: that needs the role "
     "admin"),
    ("lee", ["token", "create", "--member", "lee", "--scope", "act"],
     "lee is lead and may not create API tokens: that needs the role admin"),
    ("lee", ["token", "revoke", "0123456789abcdef"],
     "lee is lead and may not revoke API tokens: that needs the role admin"),
    ("bob", ["policy", "set", "--channel", "web", "--severity", "mild", "--ack", "2h"],
     f"bob is agent and may not set the policy: that needs the role {ROUTERS}"),
    ("aud", ["file", "--project", "P", "--channel", "web", "--severity", "mild",
             "--summary", "s"],
     f"aud is auditor and may not file complaints: that needs the role {WORKERS}"),
    ("aud", ["import", "{calls}"],
     f"aud is auditor and may not import complaints: that needs the role {WORKERS}"),
    ("aud", ["ack", "C-1"],
     f"aud is auditor and may not acknowledge complaints: that needs the role "
     f"{WORKERS}"),
    ("bob", ["triage", "C-1", "--severity", "severe"],
     f"bob is agent and may not triage complaints: that needs the role {ROUTERS}"),
    ("bob", ["assign", "C-1", "lee"],
     f"bob is agent and may not assign complaints: that needs the role {ROUTERS}"),
    ("bob", ["escalate", "C-1", "--to", "lee", "--reason", "r"],
     f"bob is agent and may not escalate complaints: that needs the role {ROUTERS}"),
    ("aud", ["note", "C-1", "n"],
     f"aud is auditor and may not note complaints: that needs the role {WORKERS}"),
    ("aud", ["respond", "C-3", "--message", "m"],
     f"aud is auditor and may not respond to complaints: that needs the role "
     f"{WORKERS}"),
    ("aud", ["resolve", "C-3", "--resolution", "r"],
     f"aud is auditor and may not resolve complaints: that needs the role {WORKERS}"),
    ("aud", ["reopen", "C-2", "--reason", "r"],
     f"aud is auditor and may not reopen complaints: that needs the role {WORKERS}"),
    ("aud", ["close", "C-2"],
     f"aud is auditor and may not close complaints: that needs the role {WORKERS}"),
    ("aud", ["withdraw", "C-1", "--reason", "r"],
     f"aud is auditor and may not withdraw complaints: that needs the role {WORKERS}"),
    ("aud", ["survey", "C-2", "--score", "4", "--comment", "c"],
     f"aud is auditor and may not record surveys: that needs the role {WORKERS}"),
    ("bob", ["confidential", "C-1", "--allow", "lee"],
     f"bob is agent and may not make complaints confidential: that needs the role "
     f"{ROUTERS}"),
    ("bob", ["grant", "C-4", "aud"],
     f"bob is agent and may not grant access: that needs the role {ROUTERS}"),
    ("bob", ["revoke", "C-4", "lee"],
     f"bob is agent and may not revoke access: that needs the role {ROUTERS}"),
    ("lee", ["erase", "C-1", "--reason", "r"],
     "lee is lead and may not erase complaints: that needs the role admin"),
    ("lee", ["keys", "rotate"],
     "lee is lead and may not rotate the master key: that needs the role admin"),
    ("bob", ["sweep"],
     f"bob is agent and may not sweep overdue complaints: that needs the role "
     f"{ROUTERS}"),
]  # fmt: skip


def complaints_for_every_command(plaint: Plaint) -> None:
    """C-1 received with its ack deadline breached, C-2 resolved, C-3
    acknowledged, C-4 confidential to lee; an escalation target for the sweep
    and a source file to import."""
    plaint.ok("policy", "set", "--channel", "*", "--severity", "*", "--owner", "bob",
              "--ack", "1h", "--escalate-to", "lee")  # fmt: skip
    for _ in range(4):
        plaint.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
                  "--summary", "s", "--received-at", "2026-01-05T09:00")  # fmt: skip
    plaint.ok("ack", "C-2")
    plaint.ok("resolve", "C-2", "--resolution", "r")
    plaint.ok("ack", "C-3")
    plaint.ok("confidential", "C-4", "--allow", "lee")
    (plaint.home / "calls.csv").write_text(
        "Project,Channel,Severity,Summary,Received_At,External_ID\n"
        "P,phone,mild,Call,2026-03-01T10:00,X-1\n",
        encoding="utf-8",
    )


def stored_state(plaint: Plaint) -> dict[str, Any]:
    """The log's length, the data keys and what wraps them, the checkpoints,
    and the master key files."""
    ledger = plaint.open()
    try:
        tables = ledger.tables
        state = {
            "events": tables.count_events_after(0),
            "keys": sorted((k.key_id.hex, k.master_id) for k in tables.all_keys()),
            "checkpoints": [c.size for c in tables.select_checkpoints()],
        }
    finally:
        ledger.close()
    key_file = Path(json.loads(plaint.ok("info", "--json"))["key_file"])
    state["key files"] = {
        p.name: p.read_text() for p in sorted(key_file.parent.iterdir())
    }
    return state


@pytest.mark.parametrize(
    ("actor", "command", "error"),
    REFUSALS,
    ids=[" ".join(c[:2]) if c[0] in {"team", "policy", "keys", "token"} else c[0]
         for _, c, _ in REFUSALS],
)  # fmt: skip
def test_a_command_refused_for_the_actors_role_records_nothing(
    plaint: Plaint, actor: str, command: list[str], error: str
) -> None:
    complaints_for_every_command(plaint)
    plaint.ok("checkpoint")
    before = stored_state(plaint)
    args = [a.format(calls=plaint.home / "calls.csv") for a in command]
    result = plaint(*args, actor=actor)
    assert (result.exit_code, result.stderr) == (1, f"Error: {error}\n")
    assert stored_state(plaint) == before
