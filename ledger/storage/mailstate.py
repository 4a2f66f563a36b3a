"""The customer's links and the outbox's sending state, in the ledger's
database beside the service's other working state (ledger/storage/state.py).

A link (status page, survey) is kept as a keyed digest of its 256-bit
secret, with its complaint, purpose and expiry and a seal over them (both
HMAC-SHA256 under a key derived from the ledger's data key,
ledger/cases/customers.py): the secret itself is in the customer's hands
only, and someone who can write the database can neither make a link nor
point one at another complaint. The sending state of an outbox message is how many
attempts failed, when the next is due, and until when a server has claimed
it: claiming is one conditional statement, so of several servers sharing
the database one sends it. Neither is an event: what must be proved (that a
link was used, that a message was sent or given up) is recorded as one.
"""

# ruff: noqa: S608 - the SQL names constant tables; every value is a parameter

from __future__ import annotations

from dataclasses import dataclass

from ledger.storage.state import ServiceState


@dataclass(frozen=True)
class Link:
    """A customer link as stored."""

    complaint: str  # the complaint's id, hex
    purpose: str  # `status` or `survey`
    expires: int  # seconds since the epoch
    seal: str
    used: float | None = None


@dataclass(frozen=True)
class Sending:
    """An outbox message's sending state."""

    attempts: int
    next_at: float
    error: str | None


class MailState:
    """Links and sending state, over the service state's tables."""

    def __init__(self, state: ServiceState) -> None:
        self.state = state
        self.p = state.p

    # Links.

    def add_link(self, digest: str, link: Link, now: float) -> None:
        """Keep a new link; forget those expired a day ago or more."""
        p = self.p
        self.state.run(f"DELETE FROM {{links}} WHERE expires < {p}", (now - 86400,))
        self.state.run(
            "INSERT INTO {links} (digest, complaint, purpose, expires, seal, used) "
            f"VALUES ({p}, {p}, {p}, {p}, {p}, NULL)",
            (digest, link.complaint, link.purpose, link.expires, link.seal),
        )

    def link(self, digest: str) -> Link | None:
        """The link of this digest, if kept."""
        rows = self.state.run(
            "SELECT complaint, purpose, expires, seal, used FROM {links} "
            f"WHERE digest = {self.p}",
            (digest,),
            rows=True,
        )
        if not rows:
            return None
        row = rows[0]
        used = None if row["used"] is None else float(row["used"])
        expires = int(row["expires"])
        return Link(row["complaint"], row["purpose"], expires, row["seal"], used)

    def use_link(self, digest: str, now: float) -> bool:
        """Mark a link used, once: whether this call did (not another before)."""
        p = self.p
        rows = self.state.run(
            f"UPDATE {{links}} SET used = {p} WHERE digest = {p} AND used IS NULL "
            "RETURNING digest",
            (now, digest),
            rows=True,
        )
        return bool(rows)

    def unuse_link(self, digest: str) -> None:
        """Make a link usable again (what it was used for was not recorded)."""
        self.state.run(f"UPDATE {{links}} SET used = NULL WHERE digest = {self.p}",
                       (digest,))  # fmt: skip

    # Sending.

    def sending(self, messages: list[str]) -> dict[str, Sending]:
        """The sending state of these messages (absent: never tried)."""
        if not messages:
            return {}
        marks = ", ".join([self.p] * len(messages))
        rows = self.state.run(
            "SELECT message, attempts, next_at, error FROM {sending} "
            f"WHERE message IN ({marks})",
            tuple(messages),
            rows=True,
        )
        return {
            r["message"]: Sending(int(r["attempts"]), float(r["next_at"]), r["error"])
            for r in rows
        }

    def claim(self, message: str, now: float, until: float) -> bool:
        """Claim a message to send it until `until`: whether this call got it
        (no one holds it, and its next attempt is due)."""
        p = self.p
        rows = self.state.run(
            "INSERT INTO {sending} AS s "
            "(message, attempts, next_at, claimed_until, error) "
            f"VALUES ({p}, 0, {p}, {p}, NULL) ON CONFLICT (message) DO UPDATE "
            f"SET claimed_until = {p} "
            f"WHERE s.claimed_until <= {p} AND s.next_at <= {p} RETURNING message",
            (message, now, until, until, now, now),
            rows=True,
        )
        return bool(rows)

    def failed(self, message: str, attempts: int, next_at: float, error: str) -> None:
        """An attempt failed: the next is due at `next_at`; the claim ends."""
        p = self.p
        self.state.run(
            f"UPDATE {{sending}} SET attempts = {p}, next_at = {p}, "
            f"claimed_until = 0, error = {p} WHERE message = {p}",
            (attempts, next_at, error, message),
        )

    def done(self, message: str) -> None:
        """The message was sent or given up (an event says so): forget it."""
        self.state.run(f"DELETE FROM {{sending}} WHERE message = {self.p}", (message,))
