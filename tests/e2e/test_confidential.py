"""Confidential complaints: only those allowed read them, and every read counts."""

from __future__ import annotations

import json

from click.testing import Result

from projections.catchup import catch_up, open_store
from tests.conftest import Plaint

CANARY = "CANARY-CONFIDENTIAL-5e1d"


def a_confidential_complaint(plaint: Plaint) -> None:
    plaint.ok("team", "add", "cat", "--role", "compliance")
    plaint.ok("file", "--project", "HR", "--channel", "email", "--severity", "severe",
              "--summary", f"{CANARY} summary", "--detail", f"{CANARY} detail",
              "--customer", f"{CANARY} customer", "--contact", f"{CANARY}@example.org",
              "--source", f"{CANARY} source", actor="lee")  # fmt: skip
    plaint.ok("note", "C-1", f"{CANARY} note", actor="lee")
    plaint.ok("confidential", "C-1", "--allow", "compliance", "--reason",
              f"{CANARY} reason", actor="lee")  # fmt: skip


def access_rows(plaint: Plaint) -> list[tuple[str, str, str]]:
    ledger = plaint.open()
    store = open_store(ledger)
    catch_up(ledger, store)
    rows = store.query(
        f"SELECT member, action, purpose FROM {store.table_name_of('accesses')} "
        "ORDER BY at"
    )
    ledger.close()
    return [(r["member"], r["action"], r["purpose"]) for r in rows]


def test_a_member_not_allowed_is_refused_and_the_refusal_recorded(
    plaint: Plaint,
) -> None:
    a_confidential_complaint(plaint)
    for command in (["show", "C-1"], ["show", "C-1", "--json"], ["history", "C-1"]):
        result = plaint(*command, actor="bob")
        assert result.exit_code == 1
        assert result.stdout == ""
        assert result.stderr.strip() == (
            "Error: C-1 is confidential and bob may not read it; a lead can grant "
            "access with `plaint grant C-1 bob` (this attempt was recorded)"
        )
    assert access_rows(plaint) == [
        ("bob", "refused", "show"), ("bob", "refused", "show"),
        ("bob", "refused", "history"),
    ]  # fmt: skip


def test_allowed_members_read_and_each_read_is_recorded(plaint: Plaint) -> None:
    a_confidential_complaint(plaint)
    shown = json.loads(plaint.ok("show", "C-1", "--json", actor="cat"))
    assert shown["summary"] == f"{CANARY} summary"
    assert shown["confidential"] is True
    plaint.ok("show", "C-1", actor="lee")
    plaint.ok("history", "C-1", actor="cat")
    assert access_rows(plaint) == [
        ("cat", "export", "show"), ("lee", "read", "show"), ("cat", "read", "history"),
    ]  # fmt: skip


def test_a_grant_lets_a_member_read_and_revoking_stops_the_next_read(
    plaint: Plaint,
) -> None:
    a_confidential_complaint(plaint)
    plaint.ok("grant", "C-1", "bob", actor="lee")
    assert f"{CANARY} summary" in plaint.ok("show", "C-1", actor="bob")
    plaint.ok("revoke", "C-1", "bob", "--reason", "done", actor="lee")
    assert plaint("show", "C-1", actor="bob").exit_code == 1
    assert access_rows(plaint) == [("bob", "read", "show"), ("bob", "refused", "show")]


def test_only_leads_may_restrict_access(plaint: Plaint) -> None:
    a_confidential_complaint(plaint)
    result = plaint("grant", "C-1", "bob", actor="bob")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: bob is agent and may not grant access: that needs the role lead, "
        "manager or admin"
    )
    result = plaint("grant", "C-1", "nobody", actor="lee")
    assert result.exit_code == 2
    assert "Error: nobody is neither a member of the team nor a role" in result.stderr


def test_no_output_of_any_command_shows_a_non_allowed_member_the_content(
    plaint: Plaint,
) -> None:
    a_confidential_complaint(plaint)
    commands = [
        ["show", "C-1"], ["show", "C-1", "--json"], ["history", "C-1"],
        ["history", "C-1", "--json"], ["list"], ["list", "--json"], ["overdue"],
        ["overdue", "--json"], ["info", "--json"], ["team", "list"],
        ["policy", "show"], ["projections", "status"],
        ["note", "C-1", "a note of bob's"], ["ack", "C-1"],
    ]  # fmt: skip
    seen = ""
    for command in commands:
        result = plaint(*command, actor="bob")
        seen += result.stdout + result.stderr
    assert "C-1" in seen
    assert CANARY not in seen


def test_the_access_trail_survives_a_rebuild_unchanged(plaint: Plaint) -> None:
    a_confidential_complaint(plaint)
    plaint("show", "C-1", actor="bob")
    plaint.ok("show", "C-1", actor="cat")
    before = access_rows(plaint)
    plaint.ok("projections", "rebuild")
    assert access_rows(plaint) == before
    assert len(before) == 2


def filed_confidential(plaint: Plaint, *allow: str, actor: str = "lee") -> Result:
    return plaint("file", "--project", "HR", "--channel", "meeting", "--severity",
                  "severe", "--summary", f"{CANARY} summary", "--confidential",
                  *[arg for name in allow for arg in ("--allow", name)],
                  actor=actor)  # fmt: skip


def ledger_counts(plaint: Plaint) -> tuple[int, int]:
    info = json.loads(plaint.ok("info", "--json"))
    return info["events"], info["complaints"]


def test_a_complaint_filed_confidential_is_so_from_its_first_transaction(
    plaint: Plaint,
) -> None:
    plaint.ok("team", "add", "cat", "--role", "compliance")
    result = filed_confidential(plaint, "role:compliance", "aud")
    assert (result.exit_code, result.stdout) == (0, "C-1\n")
    history = json.loads(plaint.ok("history", "C-1", "--json", actor="cat"))
    assert [(h["seq"], h["kind"]) for h in history] == [
        (1, "filed"), (2, "madeconfidential"),
    ]  # fmt: skip
    assert history[1]["details"]["allow"] == ["aud", "compliance"]
    assert history[1]["at"] == history[0]["at"]
    refused = plaint("show", "C-1", actor="bob")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("Error: C-1 is confidential and bob may not")
    for reader in ("cat", "aud", "lee"):
        assert f"{CANARY} summary" in plaint.ok("show", "C-1", actor=reader)
    [row] = json.loads(plaint.ok("report", "access", "--json", actor="cat"))[
        "complaints"
    ]
    assert [g["grantee"] for g in row["grants"]] == ["aud", "compliance"]


def test_a_refused_allow_when_filing_records_nothing(plaint: Plaint) -> None:
    before = ledger_counts(plaint)
    result = filed_confidential(plaint, "nobody")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: nobody is neither a member of the team nor a role (agent, lead, "
        "manager, auditor, compliance, admin)"
    )
    result = filed_confidential(plaint, "lee", actor="bob")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: bob is agent and may not make complaints confidential: that needs "
        "the role lead, manager or admin\n"
    )
    assert ledger_counts(plaint) == before
    assert filed_confidential(plaint).stdout == "C-1\n"


def test_allow_without_confidential_is_a_usage_error(plaint: Plaint) -> None:
    result = plaint("file", "--project", "P", "--channel", "web", "--severity",
                    "mild", "--summary", "s", "--allow", "lee")  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: --allow goes with --confidential."
    )
    assert ledger_counts(plaint)[1] == 0
