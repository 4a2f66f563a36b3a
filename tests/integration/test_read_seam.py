"""The seam between writing and reading: the read side gets plain data from
use cases, which alone decide who may see what."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ledger.domain.vocabulary import READ_ROLES, ReadAction, Role
from ledger.errors import PermissionDenied
from tests.conftest import Plaint
from tests.e2e.test_confidential import CANARY, a_confidential_complaint, access_rows

WRITE_SIDE = (
    "ledger.domain.complaint",
    "ledger.domain.team",
    "ledger.domain.audit",
    "ledger.domain.claims",
    "ledger.storage",
    "ledger.base",
    "ledger.cases",
)


def test_the_read_side_imports_no_aggregate_and_no_storage_module() -> None:
    root = Path(__file__).parents[2] / "projections"
    found = []
    for path in root.rglob("*.py"):
        if path.name == "catchup.py":
            continue  # reads the log; its reader is issue 16's item 2
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module is not None:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found += [f"{path.name}: {n}" for n in names if n.startswith(WRITE_SIDE)]
    assert found == []


def test_a_route_for_a_member_who_may_not_read_carries_no_text(
    plaint: Plaint,
) -> None:
    a_confidential_complaint(plaint)
    ledger = plaint.open(actor="bob")
    shown, steps = ledger.route("C-1", "report route")
    ledger.close()
    assert shown is False
    assert [s.kind for s in steps] == ["Filed", "Noted", "MadeConfidential"]
    assert CANARY not in repr(steps)
    assert {"summary", "detail", "customer", "source"} <= steps[0].text_details
    assert steps[0].event["details"]["summary"] is None
    assert all(s.complaint["summary"] is None for s in steps)
    assert access_rows(plaint) == []


def test_a_route_for_a_member_who_may_read_has_the_text_and_records_an_export(
    plaint: Plaint,
) -> None:
    a_confidential_complaint(plaint)
    ledger = plaint.open(actor="cat")
    shown, steps = ledger.route("C-1", "report route")
    ledger.close()
    assert shown is True
    assert steps[-1].complaint["summary"] == f"{CANARY} summary"
    assert steps[0].event["details"]["summary"] == f"{CANARY} summary"
    assert access_rows(plaint) == [("cat", "export", "report route")]


def test_readable_as_of_a_time_gives_the_complaint_as_it_stood_then(
    plaint: Plaint,
) -> None:
    a_confidential_complaint(plaint)
    ledger = plaint.open(actor="bob")
    assert ledger.readable("C-1", "report lessons", ledger.clock()) is None
    ledger.close()
    ledger = plaint.open(actor="cat")
    view = ledger.readable("C-1", "report lessons", ledger.clock())
    ledger.close()
    assert view is not None
    assert view["summary"] == f"{CANARY} summary"
    assert access_rows(plaint) == [("cat", "export", "report lessons")]


@pytest.mark.parametrize(
    ("actor", "action", "refused"),
    [
        ("bob", ReadAction.ACCESS_REPORT, True),
        ("aud", ReadAction.ACCESS_REPORT, False),
        ("lee", ReadAction.REBUILD_VIEWS, True),
        ("ann", ReadAction.REBUILD_VIEWS, False),
        ("bob", ReadAction.LIST, False),
    ],
)
def test_each_read_action_is_allowed_to_its_roles_only(
    plaint: Plaint, actor: str, action: ReadAction, refused: bool
) -> None:
    ledger = plaint.open(actor=actor)
    try:
        if refused:
            with pytest.raises(PermissionDenied, match=f"may not {action}"):
                ledger.authorise_read(action)
        else:
            ledger.authorise_read(action)
    finally:
        ledger.close()


def test_every_read_action_but_two_is_open_to_the_whole_team() -> None:
    narrower = {a for a, roles in READ_ROLES.items() if roles != tuple(Role)}
    assert narrower == {ReadAction.REBUILD_VIEWS, ReadAction.ACCESS_REPORT}
