"""The Team aggregate: who works on complaints, in which role, and how they sign in."""

from __future__ import annotations

from datetime import datetime
from hmac import compare_digest
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain import kinds
from ledger.domain.topics import keep_topics
from ledger.domain.vocabulary import WORKERS, Role
from ledger.errors import (
    InvalidInput,
    NotSignedIn,
    PermissionDenied,
    RuleViolation,
    UnknownMember,
    UnknownReference,
)


def _roles(roles: tuple[Role, ...]) -> str:
    names = [str(r) for r in roles]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


class Team(Aggregate):
    """The members of the team and their roles."""

    @event(kinds.FOUNDED)
    def __init__(
        self,
        id: UUID,
        admin: str,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.members: dict[str, str] = {admin: Role.ADMIN}
        # When each member (last) joined: a session opened before is not theirs.
        self.joined: dict[str, datetime] = {admin: timestamp}
        # Sign-in credentials, as hashes and digests (ledger/crypto/credentials.py).
        self.passwords: dict[str, str] = {}
        self.invites: dict[str, tuple[str, datetime]] = {}  # digest, expiry
        self.subjects: dict[str, str] = {}  # single-sign-on subject -> member
        self.tokens: dict[str, dict[str, Any]] = {}  # by token id

    def role_of(self, name: str) -> Role:
        """The member's role; `UnknownMember` if they are not in the team."""
        try:
            return Role(self.members[name])
        except KeyError:
            raise UnknownMember(
                f"{name} is not a member of the team "
                f"(members: {', '.join(sorted(self.members))})"
            ) from None

    def authorise(self, name: str, roles: tuple[Role, ...], action: str) -> None:
        """Refuse unless `name` is a member holding one of `roles`."""
        if name not in self.members:
            raise PermissionDenied(
                f"{name} is not a member of this ledger's team; an admin can add "
                f"them with `plaint team add {name} --role agent`"
            )
        role = self.role_of(name)
        if role not in roles:
            raise PermissionDenied(
                f"{name} is {role} and may not {action}: that needs the role "
                f"{_roles(roles)}"
            )

    def check_owner(self, name: str) -> None:
        """Refuse `name` as an owner unless a member who works complaints."""
        if name not in self.members:
            raise UnknownMember(
                f"{name} is not a member of this ledger's team; an admin can add "
                f"them with `plaint team add {name} --role agent`"
            )
        self.authorise(name, WORKERS, "own complaints")

    def add(self, name: str, role: Role, actor: str, at: datetime) -> None:
        """Add a new member."""
        if name in self.members:
            raise RuleViolation(f"{name} is already a member ({self.members[name]})")
        self._member_added(name=name, role=str(role), actor=actor, timestamp=at)

    def change_role(self, name: str, role: Role, actor: str, at: datetime) -> None:
        """Give a member another role."""
        current = self.role_of(name)
        if current == role:
            raise RuleViolation(f"{name} is already {role}")
        if current == Role.ADMIN:
            self._keep_an_admin(name)
        self._role_changed(name=name, role=str(role), actor=actor, timestamp=at)

    def remove(self, name: str, actor: str, at: datetime) -> None:
        """Remove a member; their past actions stay in the ledger."""
        if self.role_of(name) == Role.ADMIN:
            self._keep_an_admin(name)
        self._member_removed(name=name, actor=actor, timestamp=at)

    def _keep_an_admin(self, name: str) -> None:
        admins = [m for m, r in self.members.items() if r == Role.ADMIN]
        if admins == [name]:
            raise RuleViolation(
                f"{name} is the last admin; make someone else admin first"
            )

    # Sign-in credentials; the values' rules are in ledger/domain/accounts.py.

    def set_password(self, name: str, hash: str, actor: str, at: datetime) -> None:
        """Give a member a password (its argon2id hash)."""
        self.role_of(name)
        self._password_set(member=name, hash=hash, actor=actor, timestamp=at)

    def invite(
        self, name: str, digest: str, expires: datetime, actor: str, at: datetime
    ) -> None:
        """Let a member set their password once, before `expires`, with the
        secret of this digest; an earlier invitation of theirs stops working."""
        self.role_of(name)
        if expires <= at:
            raise InvalidInput("an invitation must be valid for some time")
        self._invite_issued(
            member=name, digest=digest, expires=expires, actor=actor, timestamp=at
        )

    def invited(self, digest: str, at: datetime) -> str:
        """The member whose invitation, unused and unexpired, has this digest."""
        found = [
            member
            for member, (kept, expires) in self.invites.items()
            if compare_digest(kept, digest) and at < expires
        ]
        if not found:
            raise NotSignedIn(
                "this invitation link is unknown, used or expired; ask an admin "
                "for a new one (`plaint team password NAME --invite`)"
            )
        return found[0]

    def accept_invite(self, digest: str, hash: str, at: datetime) -> str:
        """Set the invited member's password, once; return the member."""
        member = self.invited(digest, at)
        self._invite_accepted(member=member, hash=hash, actor=member, timestamp=at)
        return member

    def link_oidc(self, name: str, subject: str, actor: str, at: datetime) -> None:
        """Let a member sign in as the single-sign-on subject `subject`."""
        self.role_of(name)
        linked = self.subjects.get(subject)
        if linked is not None:
            raise RuleViolation(f"the subject {subject} is already linked to {linked}")
        self._oidc_linked(member=name, subject=subject, actor=actor, timestamp=at)

    def create_token(self, token: dict[str, Any], actor: str, at: datetime) -> None:
        """Add an API token (`token_id`, `member`, `scope`, `digest`, `expires`)."""
        self.role_of(token["member"])
        if token["token_id"] in self.tokens:
            raise RuleViolation(f"a token {token['token_id']} exists already")
        if token["expires"] is not None and token["expires"] <= at:
            raise InvalidInput("a token's expiry must lie in the future")
        self._token_created(**token, actor=actor, timestamp=at)

    def revoke_token(self, token_id: str, actor: str, at: datetime) -> str:
        """Revoke an API token; return its member."""
        if token_id not in self.tokens:
            raise UnknownReference(
                f"no token {token_id} in this ledger (`plaint token list` shows them)"
            )
        member: str = self.tokens[token_id]["member"]
        self._token_revoked(token_id=token_id, actor=actor, timestamp=at)
        return member

    @event(kinds.MEMBER_ADDED)
    def _member_added(
        self, name: str, role: str, actor: str, timestamp: datetime
    ) -> None:
        self.members[name] = role
        self.joined[name] = timestamp

    @event(kinds.ROLE_CHANGED)
    def _role_changed(
        self, name: str, role: str, actor: str, timestamp: datetime
    ) -> None:
        self.members[name] = role

    @event(kinds.MEMBER_REMOVED)
    def _member_removed(self, name: str, actor: str, timestamp: datetime) -> None:
        del self.members[name]
        # What let them sign in goes with them, should the name join again:
        # their sessions too, which were opened while they were members.
        self.joined.pop(name, None)
        self.passwords.pop(name, None)
        self.invites.pop(name, None)
        self.subjects = {s: m for s, m in self.subjects.items() if m != name}
        self.tokens = {i: t for i, t in self.tokens.items() if t["member"] != name}

    @event(kinds.PASSWORD_SET)
    def _password_set(
        self, member: str, hash: str, actor: str, timestamp: datetime
    ) -> None:
        self.passwords[member] = hash

    @event(kinds.INVITE_ISSUED)
    def _invite_issued(
        self, member: str, digest: str, expires: datetime, actor: str,
        timestamp: datetime,
    ) -> None:  # fmt: skip
        self.invites[member] = (digest, expires)

    @event(kinds.INVITE_ACCEPTED)
    def _invite_accepted(
        self, member: str, hash: str, actor: str, timestamp: datetime
    ) -> None:
        self.passwords[member] = hash
        del self.invites[member]

    @event(kinds.OIDC_LINKED)
    def _oidc_linked(
        self, member: str, subject: str, actor: str, timestamp: datetime
    ) -> None:
        self.subjects[subject] = member

    @event(kinds.TOKEN_CREATED)
    def _token_created(
        self, token_id: str, member: str, scope: str, digest: str,
        expires: datetime | None, actor: str, timestamp: datetime,
    ) -> None:  # fmt: skip
        self.tokens[token_id] = {
            "member": member, "scope": scope, "digest": digest, "expires": expires,
            "created_at": timestamp, "created_by": actor,
        }  # fmt: skip

    @event(kinds.TOKEN_REVOKED)
    def _token_revoked(self, token_id: str, actor: str, timestamp: datetime) -> None:
        del self.tokens[token_id]


keep_topics("ledger.team", Team)
