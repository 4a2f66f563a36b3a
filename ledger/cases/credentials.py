"""Use cases of sign-in credentials: passwords, invitations, single-sign-on
links and API tokens. Each is a Team event holding a hash or a digest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ledger.cases.common import CaseBase
from ledger.crypto.credentials import (
    digest,
    hash_password,
    new_secret,
    new_token_id,
    token_text,
)
from ledger.domain.accounts import check_password, scope, subject
from ledger.domain.identity import INVITE, Identity
from ledger.domain.timeutil import iso
from ledger.domain.vocabulary import ADMINS, Role
from ledger.errors import NotSignedIn


class CredentialCases(CaseBase):
    """Passwords, invitations, single-sign-on links and API tokens."""

    # Passwords and invitations.

    def set_password(
        self, member: str, password: str | Callable[[], str]
    ) -> dict[str, str]:
        """Set a member's sign-in password (admin, or the member themself);
        `password` may be a function that asks for it, called only once the
        actor may set it (so the CLI prompts no one it would refuse)."""
        team = self._to_change(self.team())
        if member == self.actor:
            team.authorise(self.actor, tuple(Role), "set a password")
        else:
            team.authorise(self.actor, ADMINS, "set other members' passwords")
        team.role_of(member)
        given = password if isinstance(password, str) else password()
        check_password(given)
        team.set_password(member, hash_password(given), self.actor, self.clock())
        self._save(team)
        return {"member": member}

    def invite(self, member: str, valid_for: timedelta) -> dict[str, Any]:
        """A one-time secret with which `member` sets their password before
        it expires (admin); shown once, stored as its digest."""
        team = self._to_change(self.team())
        team.authorise(self.actor, ADMINS, "invite members to set a password")
        secret, now = new_secret(), self.clock()
        expires = now + valid_for
        team.invite(member, digest(secret), expires, self.actor, now)
        self._save(team)
        return {"member": member, "invite": secret, "expires": iso(expires)}

    def accept_invite(
        self, secret: str, password: str, address: str | None = None
    ) -> dict[str, str]:
        """Set the invited member's password with the invitation's secret,
        once; recorded as done by the member, proved by the invitation."""
        team = self._to_change(self.team())
        now = self.clock()
        member = team.invited(digest(secret), now)
        check_password(password)
        team.accept_invite(digest(secret), hash_password(password), now)
        with self.acting(Identity(member, INVITE, address)):
            self._save(team)
        return {"member": member}

    # Single sign-on.

    def link_oidc(self, member: str, sub: str) -> dict[str, str]:
        """Let a member sign in as a single-sign-on subject (admin): the
        `sub` claim of ID tokens from the one issuer the service trusts."""
        team = self._to_change(self.team())
        team.authorise(self.actor, ADMINS, "link members to single sign-on")
        found = subject(sub)
        team.link_oidc(member, found, self.actor, self.clock())
        self._save(team)
        return {"member": member, "subject": found}

    def member_for_oidc(self, sub: str) -> str:
        """The member linked to a single-sign-on subject."""
        member = self.team().subjects.get(sub)
        if member is None:
            raise NotSignedIn(
                "no member is linked to this single-sign-on identity; an admin "
                "can link it with `plaint team link NAME --oidc-subject SUB`"
            )
        return member

    # API tokens.

    def create_token(
        self, member: str, scope_name: str, expires: datetime | None
    ) -> dict[str, Any]:
        """A new API token for `member` (admin): the token is in the answer
        only, `plaint_<id>_<secret>`, and stored as its digest."""
        team = self._to_change(self.team())
        team.authorise(self.actor, ADMINS, "create API tokens")
        token_id, found = new_token_id(), scope(scope_name)
        text = token_text(token_id, new_secret())
        token = {"token_id": token_id, "member": member, "scope": str(found),
                 "digest": digest(text), "expires": expires}  # fmt: skip
        team.create_token(token, self.actor, self.clock())
        self._save(team)
        return {"id": token_id, "token": text, "member": member,
                "scope": str(found), "expires": iso(expires)}  # fmt: skip

    def tokens(self) -> list[dict[str, Any]]:
        """The API tokens not revoked, oldest first, without their secrets (admin)."""
        team = self.team()
        team.authorise(self.actor, ADMINS, "see the API tokens")
        now = self.clock()
        found = sorted(team.tokens.items(), key=lambda t: (t[1]["created_at"], t[0]))
        return [
            {"id": token_id, "member": t["member"], "scope": t["scope"],
             "expires": iso(t["expires"]), "created_at": iso(t["created_at"]),
             "created_by": t["created_by"],
             "expired": t["expires"] is not None and t["expires"] <= now}
            for token_id, t in found
        ]  # fmt: skip

    def revoke_token(self, token_id: str) -> dict[str, str]:
        """Revoke an API token at once, on every server (admin)."""
        team = self._to_change(self.team())
        team.authorise(self.actor, ADMINS, "revoke API tokens")
        member = team.revoke_token(token_id.strip(), self.actor, self.clock())
        self._save(team)
        return {"id": token_id.strip(), "member": member}
