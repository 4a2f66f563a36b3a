"""Who is acting, and how that was established.

On the CLI an identity is what `--as` claimed; in `plaint serve` it is what
sign-in proved. Events saved under a proved identity carry how it was proved
(`proof`) and the client's address (`address`, sealed like complaint text);
events without them were claimed.
"""

from __future__ import annotations

from dataclasses import dataclass

CLAIMED = "claimed"
# How a service identity was proved (names, not secrets); `token:<id>` names
# the API token.
PASSWORD = "password"  # noqa: S105
OIDC = "oidc"
CUSTOMER_LINK = "customer-link"
# A message that arrived by mail. It proves only that: its From header is the
# sender's claim, which no one checked unless the mail server did (SPF, DKIM,
# DMARC) before delivering it.
MAIL = "mail"
# A customer filing through the web form: nobody signed in, so the name and
# contact they typed are their own word; what the service recorded is that
# it came through the form, and from which address.
WEB_FORM = "web-form"
# The server's own mail loop (`plaint serve --smtp`), sending the outbox.
MAILER = "mailer"
# Whom events done by customers (the form, a status or survey link, a reply
# by mail) and by the mail loop name as their actor: never a member's name,
# which has no parentheses (grantees.new_member_name).
CUSTOMER = "(customer)"
OUTBOX = "(outbox)"
# A member who set their password with an invitation link.
INVITE = "invite"
TOKEN_PREFIX = "token:"  # noqa: S105


@dataclass(frozen=True)
class Identity:
    """A member (or a customer) and how the ledger knows it is them."""

    member: str
    proof: str = CLAIMED
    address: str | None = None

    @property
    def verified(self) -> bool:
        """Whether sign-in proved it (not claimed with `--as`)."""
        return self.proof != CLAIMED
