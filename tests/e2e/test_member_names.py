"""Members and roles never share a name, so an allow-list entry means one thing:
`--allow compliance` must not let an agent called compliance read."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ledger.domain.complaint import Complaint
from tests.conftest import Plaint, error_line


def an_old_member_named_compliance(plaint: Plaint) -> None:
    """An agent called compliance, as a ledger made before such names were
    refused holds them: replayed from its event, never checked again."""
    ledger = plaint.open()
    team = ledger._to_change(ledger.team())
    team._member_added(
        name="compliance", role="agent", actor="ann", timestamp=datetime.now(UTC)
    )
    ledger.save(team)
    ledger.close()


def a_complaint_with_the_compliance_agent(plaint: Plaint) -> None:
    plaint.ok("team", "add", "cat", "--role", "compliance")
    an_old_member_named_compliance(plaint)
    plaint.ok("file", "--project", "HR", "--channel", "email", "--severity",
              "severe", "--summary", "secret", actor="lee")  # fmt: skip


def history_length(plaint: Plaint) -> int:
    return len(json.loads(plaint.ok("history", "C-1", "--json")))


@pytest.mark.parametrize("name", ["compliance", "Admin", "AUDITOR", " lead "])
def test_a_new_member_may_not_take_a_role_name(plaint: Plaint, name: str) -> None:
    result = plaint("team", "add", name, "--role", "agent")
    assert result.exit_code == 2
    assert error_line(result.stderr) == (
        f"Error: '{name.strip()}' is the name of a role; give the member a name of "
        "their own, so that `--allow` can tell them from everyone holding the "
        "role"
    )
    members = [line.split()[0] for line in plaint.ok("team", "list").splitlines()]
    assert name.strip() not in members
    assert name.strip().lower() not in members


def test_init_refuses_an_admin_named_like_a_role_and_creates_nothing(
    environ: dict[str, str], tmp_path: Path
) -> None:
    run = Plaint(str(tmp_path / "new.sqlite"), environ, tmp_path)
    result = run("init", "--admin", "Manager")
    assert result.exit_code == 2
    assert error_line(result.stderr) == (
        "Error: 'Manager' is the name of a role; give the member a name of their "
        "own, so that `--allow` can tell them from everyone holding the role"
    )
    assert not (tmp_path / "new.sqlite").exists()
    assert not (tmp_path / "config").exists()


def test_an_allow_of_a_name_both_role_and_member_is_refused_and_records_nothing(
    plaint: Plaint,
) -> None:
    a_complaint_with_the_compliance_agent(plaint)
    before = history_length(plaint)
    for command in (
        ("confidential", "C-1", "--allow", "compliance"),
        ("grant", "C-1", "compliance"),
        ("revoke", "C-1", "compliance"),
    ):
        result = plaint(*command, actor="lee")
        assert result.exit_code == 2
        assert error_line(result.stderr) == (
            "Error: compliance is both a role and a member's name: say "
            "role:compliance for everyone who is compliance, or member:compliance "
            "for that member"
        )
    assert history_length(plaint) == before
    assert json.loads(plaint.ok("show", "C-1", "--json"))["confidential"] is False


def test_the_attack_of_the_agent_named_compliance_reads_nothing(
    plaint: Plaint,
) -> None:
    a_complaint_with_the_compliance_agent(plaint)
    out = plaint.ok("confidential", "C-1", "--allow", "role:compliance", actor="lee")
    assert out == "C-1 is confidential: role compliance and its owner may read it.\n"
    refused = plaint("show", "C-1", actor="compliance")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("Error: C-1 is confidential and compliance")
    assert "secret" in plaint.ok("show", "C-1", actor="cat")

    out = plaint.ok("grant", "C-1", "member:compliance", actor="lee")
    assert out == "member compliance may now read C-1.\n"
    assert "secret" in plaint.ok("show", "C-1", actor="compliance")
    shown = json.loads(plaint.ok("show", "C-1", "--json", actor="cat"))
    assert shown["allowed"] == [
        {"kind": "role", "name": "compliance"},
        {"kind": "member", "name": "compliance"},
    ]
    assert "  readers     role compliance, member compliance and its owner\n" in (
        plaint.ok("show", "C-1", actor="cat")
    )
    out = plaint.ok("revoke", "C-1", "role:compliance", actor="lee")
    assert out == "role compliance may no longer read C-1.\n"
    assert plaint("show", "C-1", actor="cat").exit_code == 1


def test_an_old_bare_entry_means_the_role_and_never_the_member_of_that_name(
    plaint: Plaint,
) -> None:
    """An allow-list recorded before names were checked: `compliance` while an
    agent had that name. It means the role, in the decision and in every output."""
    a_complaint_with_the_compliance_agent(plaint)
    ledger = plaint.open(actor="lee")
    complaint: Complaint = ledger.complaint("C-1")
    complaint._made_confidential(
        allow=["compliance"], reason=None, actor="lee", timestamp=datetime.now(UTC)
    )
    ledger.save(complaint)
    ledger.close()

    assert plaint("show", "C-1", actor="compliance").exit_code == 1
    shown = json.loads(plaint.ok("show", "C-1", "--json", actor="cat"))
    assert shown["allowed"] == [{"kind": "role", "name": "compliance"}]
    data = json.loads(plaint.ok("report", "access", "--json", actor="cat"))
    [grant] = data["complaints"][0]["grants"]
    assert (grant["grantee"], grant["is_role"], grant["members"]) == (
        "compliance", True, ["cat"],
    )  # fmt: skip


def test_a_grant_to_a_member_named_like_a_role_is_reported_as_the_member(
    plaint: Plaint,
) -> None:
    a_complaint_with_the_compliance_agent(plaint)
    plaint.ok("confidential", "C-1", "--allow", "member:compliance", actor="lee")
    data = json.loads(plaint.ok("report", "access", "--json", actor="cat"))
    [grant] = data["complaints"][0]["grants"]
    assert (grant["grantee"], grant["is_role"], grant["members"]) == (
        "member:compliance", False, [],
    )  # fmt: skip
    assert plaint("show", "C-1", actor="cat").exit_code == 1


def test_an_unknown_role_or_member_after_a_prefix_is_refused(plaint: Plaint) -> None:
    plaint.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
              "--summary", "s")  # fmt: skip
    result = plaint("confidential", "C-1", "--allow", "role:boss", actor="lee")
    assert result.exit_code == 2
    assert error_line(result.stderr) == (
        "Error: boss is not a role (agent, lead, manager, auditor, compliance, admin)"
    )
    result = plaint("confidential", "C-1", "--allow", "member:zed", actor="lee")
    assert result.exit_code == 2
    assert error_line(result.stderr) == "Error: zed is not a member of the team"
    assert history_length(plaint) == 1
