"""The Message-ID of every mail plaint sends, and the complaint a reply names.

A sent message's id carries its complaint's reference and the id of the
outbox message it was sent for, so a retry is recognisable and a reply's
In-Reply-To or References header leads back to the complaint without an
index. A customer controls every header of a reply: what these functions
find is a claim, which the use case that records the reply must weigh.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from uuid import UUID

from ledger.domain.reference import reference, reference_number

_SENT = re.compile(r"<(C-[1-9][0-9]{0,17})\.([0-9a-f]{32})@([^<>\s@]+)>", re.IGNORECASE)
_SUBJECT_TAG = re.compile(r"\[(C-[1-9][0-9]{0,17})\]", re.IGNORECASE)


def sent_message_id(ref: str, message: UUID, domain: str) -> str:
    """The Message-ID of the outbox message `message` about complaint `ref`:
    `<C-7.0f3c…@complaints.example.org>`."""
    number = reference_number(ref)
    if number is None:
        raise ValueError(f"not a complaint reference: {ref!r}")
    return f"<{reference(number)}.{message.hex}@{domain.lower()}>"


def replied_reference(headers: Iterable[str], subject: str, domain: str) -> str | None:
    """The reference of the complaint a received message answers, or None.

    `headers` are the In-Reply-To and References values, newest reference
    last as RFC 5322 orders them; a Message-ID plaint sent from `domain`
    wins over a `[C-7]` tag in the subject.
    """
    cited = cited_message(headers, domain)
    return cited[0] if cited else subject_reference(subject)


def cited_message(headers: Iterable[str], domain: str) -> tuple[str, str] | None:
    """The newest Message-ID of `domain`'s form cited in `headers` (the
    In-Reply-To and References values), as the reference of its complaint
    and the Message-ID (`<C-7.<hex>@domain>`, lower case but the reference);
    None when there is none. Well-formed is not sent: the use case checks
    that plaint sent this message for that complaint."""
    for value in reversed(list(headers)):
        for ref, message, host in reversed(_SENT.findall(value or "")):
            if host.lower() == domain.lower():
                ref = _normal(ref)
                return ref, f"<{ref}.{message.lower()}@{host.lower()}>"
    return None


def subject_reference(subject: str) -> str | None:
    """The reference a `[C-7]` tag in `subject` names, or None."""
    tag = _SUBJECT_TAG.search(subject or "")
    return _normal(tag.group(1)) if tag else None


def _normal(ref: str) -> str:
    number = reference_number(ref)
    assert number is not None  # the patterns admit only references
    return reference(number)
