"""Signing in on SQLite and PostgreSQL: passwords, invitations, single sign-on,
sessions and their timeouts, sign-out, and throttling, with the clock moved
by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ledger.application import ComplaintLedger
from ledger.crypto.credentials import csrf_matches, csrf_token
from ledger.domain.identity import INVITE, OIDC, PASSWORD, Identity
from ledger.domain.intake import Intake
from ledger.domain.timeutil import ManualClock
from ledger.errors import InvalidInput, NotSignedIn, PermissionDenied, Throttled
from tests.conftest import Plaint

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
GOOD = "correct horse battery"
ADDRESS = "192.0.2.7"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def ledger(plaint: Plaint, clock: ManualClock) -> Iterator[ComplaintLedger]:
    """The ledger as admin ann, on the hand-moved clock; bob has a password."""
    opened = plaint.open("ann", clock)
    opened.set_password("bob", GOOD)
    yield opened
    opened.close()


def sign_ins(ledger: ComplaintLedger) -> list[dict[str, Any]]:
    """The recorded sign-in attempts and sign-outs, oldest first."""
    found = []
    for notification in ledger.recorder.select_notifications(start=1, limit=10_000):
        if notification.topic.startswith("ledger.audit:Sign"):
            event = ledger.mapper.to_domain_event(notification)
            found.append(
                {k: v for k, v in vars(event).items() if "originator" not in k}
            )
    return found


def test_a_right_password_opens_a_session_that_identifies_the_member(
    ledger: ComplaintLedger,
) -> None:
    opened = ledger.sign_in("bob", GOOD, ADDRESS)
    assert opened["member"] == "bob"
    assert opened["expires"] == "2026-05-04T21:00:00Z"
    assert opened["csrf"] == csrf_token(opened["session"])
    assert csrf_matches(opened["session"], opened["csrf"])
    identity = ledger.session_identity(opened["session"], "198.51.100.1")
    assert identity == Identity("bob", PASSWORD, "198.51.100.1")
    [attempt] = sign_ins(ledger)
    assert (attempt["member"], attempt["outcome"], attempt["proof"]) == (
        "bob", "ok", PASSWORD)  # fmt: skip
    assert attempt["address"] == ADDRESS


def test_a_wrong_password_or_an_unknown_member_is_refused_and_recorded(
    ledger: ComplaintLedger,
) -> None:
    for member, password in (("bob", "not the password"), ("zed", GOOD)):
        with pytest.raises(
            NotSignedIn, match=r"^the member name or the password is wrong$"
        ):
            ledger.sign_in(member, password, ADDRESS)
    assert [(a["member"], a["outcome"]) for a in sign_ins(ledger)] == [
        ("bob", "refused"), ("zed", "refused")]  # fmt: skip


def test_a_forged_session_is_not_signed_in(ledger: ComplaintLedger) -> None:
    ledger.sign_in("bob", GOOD, ADDRESS)
    with pytest.raises(NotSignedIn, match=r"^not signed in, or the session ended"):
        ledger.session_identity("forged", ADDRESS)


def test_a_session_ends_after_its_idle_time(
    ledger: ComplaintLedger, clock: ManualClock
) -> None:
    secret = ledger.sign_in("bob", GOOD, ADDRESS)["session"]
    clock.now += timedelta(minutes=29)
    ledger.session_identity(secret, ADDRESS)
    clock.now += timedelta(minutes=29)
    ledger.session_identity(secret, ADDRESS)  # used: the idle time starts again
    clock.now += timedelta(minutes=31)
    with pytest.raises(
        NotSignedIn,
        match=r"^the session timed out: it was not used for 30m; sign in again$",
    ):
        ledger.session_identity(secret, ADDRESS)
    with pytest.raises(NotSignedIn, match=r"^not signed in"):
        ledger.session_identity(secret, ADDRESS)


def test_a_session_ends_after_its_longest_time_however_busy(
    ledger: ComplaintLedger, clock: ManualClock
) -> None:
    ledger.environ["PLAINT_SESSION_MAX"] = "2h"
    secret = ledger.sign_in("bob", GOOD, ADDRESS)["session"]
    for _ in range(7):
        clock.now += timedelta(minutes=17)
        ledger.session_identity(secret, ADDRESS)
    clock.now += timedelta(minutes=2)
    with pytest.raises(
        NotSignedIn,
        match=r"^the session timed out: sessions last at most 2h; sign in again$",
    ):
        ledger.session_identity(secret, ADDRESS)


def test_a_bad_session_setting_names_its_variable(ledger: ComplaintLedger) -> None:
    ledger.environ["PLAINT_SESSION_IDLE"] = "soon"
    with pytest.raises(InvalidInput, match=r"^PLAINT_SESSION_IDLE: 'soon' is not"):
        ledger.sign_in("bob", GOOD, ADDRESS)


def test_a_removed_members_session_stops_even_if_they_rejoin(
    ledger: ComplaintLedger, clock: ManualClock
) -> None:
    secret = ledger.sign_in("bob", GOOD, ADDRESS)["session"]
    ledger.remove_member("bob")
    clock.now += timedelta(minutes=1)
    ledger.add_member("bob", ledger.team().role_of("lee"))
    with pytest.raises(NotSignedIn, match=r"^bob is no longer a member of the team$"):
        ledger.session_identity(secret, ADDRESS)
    # Their password went with them.
    with pytest.raises(NotSignedIn):
        ledger.sign_in("bob", GOOD, ADDRESS)


def test_signing_out_ends_the_session_and_is_recorded(
    ledger: ComplaintLedger,
) -> None:
    secret = ledger.sign_in("bob", GOOD, ADDRESS)["session"]
    ledger.sign_out(secret, ADDRESS)
    with pytest.raises(NotSignedIn):
        ledger.session_identity(secret, ADDRESS)
    ledger.sign_out(secret, ADDRESS)  # already out: nothing more recorded
    assert [a.get("outcome", "out") for a in sign_ins(ledger)] == ["ok", "out"]


def test_sessions_are_shared_by_every_ledger_object_on_the_database(
    ledger: ComplaintLedger, plaint: Plaint, clock: ManualClock
) -> None:
    secret = ledger.sign_in("bob", GOOD, ADDRESS)["session"]
    other = plaint.open("ann", clock)
    try:
        assert other.session_identity(secret, ADDRESS).member == "bob"
        other.sign_out(secret)
    finally:
        other.close()
    with pytest.raises(NotSignedIn):
        ledger.session_identity(secret, ADDRESS)


def test_failed_sign_ins_are_throttled_per_member_for_a_while_only(
    ledger: ComplaintLedger, clock: ManualClock
) -> None:
    for _ in range(10):
        with pytest.raises(NotSignedIn):
            ledger.sign_in("bob", "wrong password!", ADDRESS)
    clock.now += timedelta(minutes=5)
    with pytest.raises(Throttled) as caught:
        ledger.sign_in("bob", GOOD, "198.51.100.9")
    assert caught.value.retry_after == 600
    assert str(caught.value) == "too many failed sign-ins; try again in 600 seconds"
    assert len(sign_ins(ledger)) == 10  # the throttled attempt checked nothing
    clock.now += timedelta(minutes=10)
    assert ledger.sign_in("bob", GOOD, ADDRESS)["member"] == "bob"


def test_failed_sign_ins_are_throttled_per_address_across_members(
    ledger: ComplaintLedger,
) -> None:
    for n in range(50):
        with pytest.raises(NotSignedIn):
            ledger.sign_in(f"guess{n}", "wrong password!", ADDRESS)
    with pytest.raises(Throttled):
        ledger.sign_in("bob", GOOD, ADDRESS)
    assert ledger.sign_in("bob", GOOD, "198.51.100.9")["member"] == "bob"


def test_a_password_is_at_least_twelve_characters(ledger: ComplaintLedger) -> None:
    with pytest.raises(
        InvalidInput,
        match=r"^a password needs at least 12 characters \(this one has 5\)",
    ):
        ledger.set_password("bob", "short")


def test_a_member_may_set_their_own_password_but_not_anothers(
    plaint: Plaint, clock: ManualClock
) -> None:
    bob = plaint.open("bob", clock)
    try:
        bob.set_password("bob", "bobs own password")
        with pytest.raises(
            PermissionDenied,
            match=r"^bob is agent and may not set other members' passwords: "
            r"that needs the role admin$",
        ):
            bob.set_password("lee", "lees new password")
        assert bob.sign_in("bob", "bobs own password", None)["member"] == "bob"
    finally:
        bob.close()


def test_an_invitation_sets_a_password_once_before_it_expires(
    ledger: ComplaintLedger, clock: ManualClock
) -> None:
    invited = ledger.invite("lee", timedelta(days=2))
    assert invited["expires"] == "2026-05-06T09:00:00Z"
    assert ledger.accept_invite(invited["invite"], "lees own password", ADDRESS) == {
        "member": "lee"
    }
    team_events = list(ledger.events.get(ledger.team().id))
    assert (team_events[-1].actor, team_events[-1].proof) == ("lee", INVITE)
    assert ledger.sign_in("lee", "lees own password", ADDRESS)["member"] == "lee"
    with pytest.raises(NotSignedIn, match=r"^this invitation link is unknown, used"):
        ledger.accept_invite(invited["invite"], "another password", ADDRESS)
    late = ledger.invite("aud", timedelta(hours=1))["invite"]
    clock.now += timedelta(hours=1)
    with pytest.raises(NotSignedIn, match="expired"):
        ledger.accept_invite(late, "auds own password", ADDRESS)


def test_single_sign_on_signs_in_the_linked_member_only(
    ledger: ComplaintLedger,
) -> None:
    ledger.link_oidc("lee", "  248289761001 ")
    assert ledger.member_for_oidc("248289761001") == "lee"
    opened = ledger.sign_in_oidc("248289761001", ADDRESS)
    assert ledger.session_identity(opened["session"], ADDRESS).proof == OIDC
    with pytest.raises(NotSignedIn, match=r"^no member is linked"):
        ledger.sign_in_oidc("someone-else", ADDRESS)
    assert [(a["member"], a["outcome"]) for a in sign_ins(ledger)] == [
        ("lee", "ok"), ("someone-else", "refused")]  # fmt: skip


def test_events_saved_in_a_session_record_its_proof(
    ledger: ComplaintLedger,
) -> None:
    secret = ledger.sign_in("bob", GOOD, ADDRESS)["session"]
    ledger.file(Intake(project="P", channel="web", severity="mild", summary="s"))
    with ledger.acting(ledger.session_identity(secret, ADDRESS)):
        ledger.note("C-1", "called back")
    [row] = [r for r in ledger.history("C-1") if r["kind"] == "noted"]
    assert (row["actor"], row["proof"], row["address"]) == ("bob", PASSWORD, ADDRESS)
