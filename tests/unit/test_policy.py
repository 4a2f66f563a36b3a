"""The Policy aggregate: rules per channel and severity, and how a complaint's
owner, deadlines and escalation target are resolved from them."""

from __future__ import annotations

import pytest

from ledger.domain.policy import Policy
from ledger.errors import InvalidInput
from tests.unit.conftest import LATER


def test_a_rule_must_set_something(policy: Policy) -> None:
    with pytest.raises(InvalidInput) as caught:
        policy.set_rule("email", "severe", {}, actor="lee", at=LATER)
    assert str(caught.value) == (
        "say what to set: --owner, --escalate-to, --route, --calendar, --ack, "
        "--respond, --resolve or --reopen-on-reply"
    )
    assert policy.rules == {}


def test_setting_a_rule_merges_into_the_one_there_is(policy: Policy) -> None:
    policy.set_rule(
        "email", "severe", {"owner": "bob", "ack": 4}, actor="lee", at=LATER
    )
    rule = policy.set_rule("email", "severe", {"ack": 2}, actor="lee", at=LATER)
    assert rule == {"owner": "bob", "ack": 2}
    assert policy.rules == {"email/severe": {"owner": "bob", "ack": 2}}


def test_no_rule_resolves_to_nothing(policy: Policy) -> None:
    assert policy.resolve("email", "mild") == {}


def test_each_field_comes_from_the_most_specific_rule_that_sets_it(
    policy: Policy,
) -> None:
    rules = {
        ("*", "*"): {"owner": "ann", "ack": 48, "respond": 96, "resolve": 480},
        ("*", "severe"): {"ack": 8, "respond": 24, "escalate_to": "max"},
        ("email", "*"): {"owner": "bob", "respond": 12},
        ("email", "severe"): {"ack": 1},
    }
    for (channel, severity), rule in rules.items():
        policy.set_rule(channel, severity, rule, actor="lee", at=LATER)
    assert policy.resolve("email", "severe") == {
        "owner": "bob", "escalate_to": "max", "ack": 1, "respond": 12,
        "resolve": 480,
    }  # fmt: skip
    assert policy.resolve("email", "mild") == {
        "owner": "bob", "ack": 48, "respond": 12, "resolve": 480,
    }  # fmt: skip
    assert policy.resolve("phone", "severe") == {
        "owner": "ann", "escalate_to": "max", "ack": 8, "respond": 24,
        "resolve": 480,
    }  # fmt: skip
    assert policy.resolve("phone", "mild") == {
        "owner": "ann", "ack": 48, "respond": 96, "resolve": 480,
    }  # fmt: skip


def test_a_field_set_to_none_falls_through_to_a_wider_rule(policy: Policy) -> None:
    policy.set_rule("*", "*", {"owner": "ann"}, actor="lee", at=LATER)
    policy.set_rule("web", "*", {"owner": None, "ack": 3}, actor="lee", at=LATER)
    assert policy.resolve("web", "mild") == {"owner": "ann", "ack": 3}
