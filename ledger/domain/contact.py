"""Who a customer is, for counting repeat contacts: their contact address
normalised, so that `Jane@Example.com ` and `jane@example.com` are one
customer, and `+44 20 7946 0000` and `+44 (20) 7946-0000` are one phone."""

from __future__ import annotations

import re

PHONE = re.compile(r"\+?[\d\s().\-/]{6,}")


def normalised_contact(contact: str | None, customer: str | None) -> str | None:
    """The customer's identity: the contact (an email address case-folded, a
    phone number as its digits), or the customer's name case-folded when no
    contact was given; None when neither was."""
    for kind, given in (("contact", contact), ("name", customer)):
        text = " ".join((given or "").split()).casefold()
        if not text:
            continue
        if kind == "contact" and PHONE.fullmatch(text):
            digits = "".join(c for c in text if c.isdigit())
            return f"phone:{'+' if text.startswith('+') else ''}{digits}"
        return f"{kind}:{text}"
    return None
