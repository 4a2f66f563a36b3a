"""The Team's sign-in credentials and the rules of their values: checked
before any event, so a refused change records nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ledger.crypto.credentials import (
    csrf_matches,
    csrf_token,
    digest,
    token_id_of,
    token_text,
)
from ledger.domain.accounts import check_password, scope, session_limits, subject
from ledger.domain.team import Team
from ledger.errors import (
    InvalidInput,
    NotSignedIn,
    RuleViolation,
    UnknownMember,
    UnknownReference,
)
from tests.unit.conftest import LATER


def token(member: str = "bob") -> dict[str, object]:
    return {"token_id": "0a1b", "member": member, "scope": "act",
            "digest": digest("t"), "expires": None}  # fmt: skip


def test_only_a_member_gets_a_password_invitation_link_or_token(team: Team) -> None:
    version = team.version
    with pytest.raises(UnknownMember):
        team.set_password("zed", "hash", actor="ann", at=LATER)
    with pytest.raises(UnknownMember):
        team.invite("zed", "d", LATER + timedelta(days=1), actor="ann", at=LATER)
    with pytest.raises(UnknownMember):
        team.link_oidc("zed", "s-1", actor="ann", at=LATER)
    with pytest.raises(UnknownMember):
        team.create_token(token("zed"), actor="ann", at=LATER)
    assert team.version == version


def test_an_invitation_is_used_once_and_not_after_it_expires(team: Team) -> None:
    team.invite("bob", digest("s"), LATER + timedelta(hours=1), actor="ann", at=LATER)
    assert team.accept_invite(digest("s"), "hash", LATER) == "bob"
    assert team.passwords["bob"] == "hash"
    version = team.version
    with pytest.raises(NotSignedIn, match=r"^this invitation link is unknown, used"):
        team.accept_invite(digest("s"), "hash", LATER)
    team.invite("lee", digest("l"), LATER + timedelta(hours=1), actor="ann", at=LATER)
    version = team.version
    with pytest.raises(NotSignedIn):
        team.accept_invite(digest("l"), "hash", LATER + timedelta(hours=1))
    assert team.version == version


def test_a_new_invitation_replaces_the_members_earlier_one(team: Team) -> None:
    until = LATER + timedelta(hours=1)
    team.invite("bob", digest("first"), until, actor="ann", at=LATER)
    team.invite("bob", digest("second"), until, actor="ann", at=LATER)
    with pytest.raises(NotSignedIn):
        team.invited(digest("first"), LATER)
    assert team.invited(digest("second"), LATER) == "bob"


def test_an_invitation_must_be_valid_for_some_time(team: Team) -> None:
    with pytest.raises(InvalidInput, match=r"^an invitation must be valid"):
        team.invite("bob", digest("s"), LATER, actor="ann", at=LATER)


def test_a_subject_is_linked_to_one_member(team: Team) -> None:
    team.link_oidc("bob", "s-1", actor="ann", at=LATER)
    version = team.version
    with pytest.raises(
        RuleViolation, match=r"^the subject s-1 is already linked to bob$"
    ):
        team.link_oidc("lee", "s-1", actor="ann", at=LATER)
    assert team.version == version
    assert team.subjects == {"s-1": "bob"}


def test_a_token_is_revoked_once(team: Team) -> None:
    team.create_token(token(), actor="ann", at=LATER)
    assert team.revoke_token("0a1b", actor="ann", at=LATER) == "bob"
    with pytest.raises(UnknownReference, match=r"^no token 0a1b in this ledger"):
        team.revoke_token("0a1b", actor="ann", at=LATER)


def test_a_token_expiring_now_or_before_is_refused(team: Team) -> None:
    with pytest.raises(
        InvalidInput, match=r"^a token's expiry must lie in the future$"
    ):
        team.create_token({**token(), "expires": LATER}, actor="ann", at=LATER)
    assert team.tokens == {}


def test_a_removed_member_takes_their_credentials_with_them(team: Team) -> None:
    until = LATER + timedelta(days=1)
    team.set_password("bob", "hash", actor="ann", at=LATER)
    team.invite("bob", digest("s"), until, actor="ann", at=LATER)
    team.link_oidc("bob", "s-1", actor="ann", at=LATER)
    team.link_oidc("lee", "s-2", actor="ann", at=LATER)
    team.create_token(token(), actor="ann", at=LATER)
    team.remove("bob", actor="ann", at=LATER)
    assert (team.passwords, team.invites, team.tokens) == ({}, {}, {})
    assert team.subjects == {"s-2": "lee"}


def test_a_rejoined_member_is_not_the_same_member_to_a_session(team: Team) -> None:
    joined = team.joined["bob"]
    team.remove("bob", actor="ann", at=LATER)
    team.add("bob", team.role_of("lee"), actor="ann", at=LATER)
    assert team.joined["bob"] == LATER != joined


def test_a_password_has_twelve_to_1024_characters() -> None:
    check_password("x" * 12)
    check_password("x" * 1024)
    with pytest.raises(InvalidInput, match=r"^a password needs at least 12"):
        check_password("x" * 11)
    with pytest.raises(InvalidInput, match=r"^a password has at most 1024"):
        check_password("x" * 1025)


def test_scopes_subjects_and_session_limits_are_read_strictly() -> None:
    assert scope(" read ") == "read"
    with pytest.raises(InvalidInput, match=r"^'admin' is not a token scope"):
        scope("admin")
    assert subject(" 24828 ") == "24828"
    for bad in ("", "a\nb", "s" * 256):
        with pytest.raises(InvalidInput, match=r"is not a single-sign-on subject"):
            subject(bad)
    assert session_limits({}) == (1800, 43200)
    assert session_limits({"PLAINT_SESSION_IDLE": "1h"}) == (3600, 43200)


def test_a_token_names_its_id_and_a_csrf_token_belongs_to_one_session() -> None:
    assert token_id_of(token_text("0a1b", "s_e_c")) == "0a1b"
    for text in ("plaint_0a1b", "plaint__x", "other_0a1b_x", ""):
        assert token_id_of(text) is None
    assert csrf_matches("session-1", csrf_token("session-1"))
    assert not csrf_matches("session-2", csrf_token("session-1"))
    assert csrf_token("session-1") != digest("session-1")
