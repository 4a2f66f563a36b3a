"""API tokens, idempotency keys and rate limits on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from ledger.application import ComplaintLedger
from ledger.domain.identity import PASSWORD, Identity
from ledger.domain.timeutil import ManualClock
from ledger.errors import (
    ConcurrencyConflict,
    InvalidInput,
    NotSignedIn,
    PermissionDenied,
    Throttled,
    UnknownReference,
)
from tests.conftest import Plaint

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def keyed(
    ledger: ComplaintLedger,
    member: str,
    key: str,
    digest: str,
    run: Callable[[], tuple[int, bytes]],
) -> tuple[int, bytes]:
    """`member`'s request with `key`, signed in; none of these saves events."""
    with ledger.acting(Identity(member, PASSWORD)):
        return ledger.idempotent(key, digest, run, replay=_saved_nothing)


def _saved_nothing(saved: list[UUID]) -> tuple[int, bytes]:
    raise AssertionError(f"nothing was saved, yet {saved} is replayed")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def ledger(plaint: Plaint, clock: ManualClock) -> Iterator[ComplaintLedger]:
    opened = plaint.open("ann", clock)
    yield opened
    opened.close()


def test_a_token_acts_as_its_member_within_its_scope(ledger: ComplaintLedger) -> None:
    made = ledger.create_token("bob", "intake", NOW + timedelta(days=30))
    assert made["token"].startswith(f"plaint_{made['id']}_")
    assert (made["member"], made["scope"], made["expires"]) == (
        "bob", "intake", "2026-06-03T09:00:00Z")  # fmt: skip
    identity, scope = ledger.token_identity(made["token"], "192.0.2.1")
    assert identity == Identity("bob", f"token:{made['id']}", "192.0.2.1")
    assert scope == "intake"
    [listed] = ledger.tokens()
    assert "token" not in listed
    assert "digest" not in listed
    assert listed["id"] == made["id"]


def test_a_forged_revoked_or_expired_token_is_refused(
    ledger: ComplaintLedger, clock: ManualClock
) -> None:
    made = ledger.create_token("bob", "read", NOW + timedelta(hours=1))
    forged = made["token"][:-4] + "AAAA"
    for bad in (forged, "plaint_nope_x", "Bearer nonsense"):
        with pytest.raises(NotSignedIn, match=r"^the API token is unknown"):
            ledger.token_identity(bad, None)
    clock.now += timedelta(hours=1)
    with pytest.raises(NotSignedIn, match=r"^the API token expired at 2026-05-04T10"):
        ledger.token_identity(made["token"], None)
    lasting = ledger.create_token("bob", "act", None)
    assert ledger.revoke_token(lasting["id"]) == {"id": lasting["id"], "member": "bob"}
    with pytest.raises(NotSignedIn, match=r"^the API token is unknown or was revoked$"):
        ledger.token_identity(lasting["token"], None)
    with pytest.raises(UnknownReference, match=r"^no token nope in this ledger"):
        ledger.revoke_token("nope")


def test_a_removed_members_tokens_stop_at_once(ledger: ComplaintLedger) -> None:
    made = ledger.create_token("bob", "act", None)
    ledger.remove_member("bob")
    with pytest.raises(NotSignedIn):
        ledger.token_identity(made["token"], None)
    assert ledger.tokens() == []


def test_only_an_admin_makes_and_revokes_tokens_and_nothing_is_recorded_otherwise(
    plaint: Plaint, ledger: ComplaintLedger
) -> None:
    made = ledger.create_token("bob", "act", None)
    lee = plaint.open("lee")
    try:
        version = lee.team().version
        admin_only = r"^lee is lead and may not {}: that needs the role admin$"
        with pytest.raises(
            PermissionDenied, match=admin_only.format("create API tokens")
        ):
            lee.create_token("lee", "act", None)
        with pytest.raises(
            PermissionDenied, match=admin_only.format("revoke API tokens")
        ):
            lee.revoke_token(made["id"])
        with pytest.raises(
            PermissionDenied, match=admin_only.format("see the API tokens")
        ):
            lee.tokens()
        assert lee.team().version == version
    finally:
        lee.close()


def test_a_token_needs_a_known_scope_and_a_future_expiry(
    ledger: ComplaintLedger,
) -> None:
    version = ledger.team().version
    with pytest.raises(InvalidInput, match=r"^'all' is not a token scope: use intake"):
        ledger.create_token("bob", "all", None)
    with pytest.raises(
        InvalidInput, match=r"^a token's expiry must lie in the future$"
    ):
        ledger.create_token("bob", "act", NOW)
    assert ledger.team().version == version


def test_a_retried_request_gets_the_first_answer_and_runs_once(
    ledger: ComplaintLedger,
) -> None:
    runs: list[int] = []

    def run() -> tuple[int, bytes]:
        runs.append(1)
        return 201, b'{"ref": "C-1"}'

    first = keyed(ledger, "bob", "k-1", "digest-a", run)
    again = keyed(ledger, "bob", "k-1", "digest-a", run)
    assert first == again == (201, b'{"ref": "C-1"}')
    assert len(runs) == 1
    keyed(ledger, "lee", "k-1", "digest-a", run)  # keys are each member's own
    assert len(runs) == 2
    with pytest.raises(
        ConcurrencyConflict, match=r"^the Idempotency-Key k-1 was used for another"
    ):
        keyed(ledger, "bob", "k-1", "digest-b", run)


def test_a_failed_request_leaves_its_key_free_for_the_retry(
    ledger: ComplaintLedger,
) -> None:
    def fail() -> tuple[int, bytes]:
        raise RuntimeError("the server stopped")

    with pytest.raises(RuntimeError):
        keyed(ledger, "bob", "k-2", "d", fail)
    assert keyed(ledger, "bob", "k-2", "d", lambda: (503, b"down")) == (
        503,
        b"down",
    )
    assert keyed(ledger, "bob", "k-2", "d", lambda: (200, b"ok")) == (200, b"ok")


def test_concurrent_identical_requests_on_two_ledger_objects_run_once(
    plaint: Plaint, ledger: ComplaintLedger, clock: ManualClock
) -> None:
    other = plaint.open("ann", clock)
    started, runs, answers = threading.Event(), [], []

    def slow() -> tuple[int, bytes]:
        runs.append(1)
        started.set()
        threading.Event().wait(0.5)
        return 201, b"filed"

    def second() -> None:
        started.wait()
        answers.append(keyed(other, "bob", "k-3", "d", slow))

    thread = threading.Thread(target=second)
    thread.start()
    answers.append(keyed(ledger, "bob", "k-3", "d", slow))
    thread.join()
    other.close()
    assert answers == [(201, b"filed")] * 2
    assert len(runs) == 1


def test_an_abandoned_claim_is_taken_over_after_ten_seconds(
    ledger: ComplaintLedger, clock: ManualClock
) -> None:
    assert ledger.state.claim("bob", "k-4", "d", clock().timestamp())
    clock.now += timedelta(seconds=11)
    assert keyed(ledger, "bob", "k-4", "d", lambda: (201, b"x")) == (201, b"x")


def test_a_key_must_be_short_printable_ascii(ledger: ComplaintLedger) -> None:
    for key in ("", "k" * 256, "ключ", "a\nb"):
        with pytest.raises(InvalidInput, match=r"^an Idempotency-Key is 1 to 255"):
            keyed(ledger, "bob", key, "d", lambda: (200, b""))


def test_throttle_refuses_past_the_limit_until_the_window_passes(
    ledger: ComplaintLedger, clock: ManualClock
) -> None:
    window = timedelta(minutes=1)
    for _ in range(3):
        ledger.throttle("api 192.0.2.1", 3, window)
    clock.now += timedelta(seconds=20)
    with pytest.raises(Throttled) as caught:
        ledger.throttle("api 192.0.2.1", 3, window)
    assert caught.value.retry_after == 40
    ledger.throttle("api 192.0.2.2", 3, window)
    clock.now += timedelta(seconds=40)
    ledger.throttle("api 192.0.2.1", 3, window)
