"""A claimed outbox message made into an email: plain text and HTML
(multipart/alternative) from its purpose's template, per project
overridable.

The templates are Jinja2 files with three blocks, `subject`, `text` and
`html`, in ledger/mail/templates/ (`ack.mail`, `responded.mail`,
`resolved.mail`, `survey.mail`). A directory of your own
(`PLAINT_MAIL_TEMPLATES`) overrides them: `DIR/<project>/ack.mail` for one
project, else `DIR/ack.mail`, else the packaged one, which an override can
extend (`{% extends "default/ack.mail" %}`) to change one block only. The
text and subject are rendered unescaped, the HTML autoescaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    StrictUndefined,
)

from ledger.errors import InvalidInput
from ledger.mail.messageid import sent_message_id
from ledger.mail.outbox import Draft

# A project's own templates are looked up only under a name that is safe
# as a directory name.
_SAFE_PROJECT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._ -]{0,199}")
LINK_PATHS = {"status": "/s/", "survey": "/survey/"}


@dataclass(frozen=True)
class MailSettings:
    """Where links point, who mail is from, and whose templates."""

    public_url: str
    sender: str
    organisation: str = "The support team"
    templates: Path | None = None

    @property
    def domain(self) -> str:
        """The public URL's host: the right side of every Message-ID."""
        return urlsplit(self.public_url).hostname or "localhost"


def mail_settings(public_url: str | None, environ: dict[str, str]) -> MailSettings:
    """The settings from `--public-url` and PLAINT_MAIL_FROM,
    PLAINT_MAIL_ORGANISATION and PLAINT_MAIL_TEMPLATES."""
    if not public_url:
        raise InvalidInput(
            "sending mail needs --public-url (or PLAINT_PUBLIC_URL): the links in "
            "each message point there"
        )
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"'{public_url}' is not a URL like https://example.org")
    url = public_url.rstrip("/")
    sender = environ.get("PLAINT_MAIL_FROM") or f"complaints@{parts.hostname}"
    templates = environ.get("PLAINT_MAIL_TEMPLATES")
    if templates and not Path(templates).is_dir():
        raise InvalidInput(f"PLAINT_MAIL_TEMPLATES: {templates} is not a directory")
    return MailSettings(
        url,
        sender,
        environ.get("PLAINT_MAIL_ORGANISATION") or "The support team",
        Path(templates) if templates else None,
    )


@cache
def _environments(
    templates: Path | None, project: str
) -> tuple[Environment, Environment]:
    packaged = PackageLoader("ledger.mail", "templates")
    loaders: list[BaseLoader] = []
    if templates is not None:
        paths = [templates]
        if _SAFE_PROJECT.fullmatch(project) and project.strip(". ") == project:
            paths.insert(0, templates / project)
        loaders.append(FileSystemLoader([str(p) for p in paths]))
    loader = ChoiceLoader([*loaders, packaged, PrefixLoader({"default": packaged})])
    text = Environment(loader=loader, autoescape=False, undefined=StrictUndefined)  # noqa: S701 - plain text
    html = Environment(loader=loader, autoescape=True, undefined=StrictUndefined)
    return text, html


def _block(env: Environment, name: str, part: str, values: dict[str, Any]) -> str:
    """One part of a message: its `subject`, `text` or `html` block."""
    return env.get_template(name).render(values, part=part)


def in_words(moment: datetime) -> str:
    """`Monday 30 November 2026 at 14:05 UTC`."""
    m = moment.astimezone(UTC)
    return f"{m:%A} {m.day} {m:%B %Y} at {m:%H:%M} UTC"


def duration_words(seconds: float) -> str:
    """`4 hours`, `2 days 3 hours`, `30 minutes`: the two largest units."""
    left, parts = int(seconds), []
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if left >= size:
            count = left // size
            parts.append(f"{count} {unit}{'' if count == 1 else 's'}")
            left %= size
    return " ".join(parts[:2]) or "a minute"


def values(draft: Draft, settings: MailSettings) -> dict[str, Any]:
    """What a template is rendered with."""
    ack_due = None
    if draft.ack_due is not None:
        within = duration_words((draft.ack_due - draft.received_at).total_seconds())
        ack_due = f"by {in_words(draft.ack_due)} (within {within})"
    path = LINK_PATHS[draft.link_purpose]
    return {
        "ref": draft.ref, "project": draft.project, "text": draft.text,
        "received_at": in_words(draft.received_at), "ack_due": ack_due,
        "link": f"{settings.public_url}{path}{draft.link}",
        "organisation": settings.organisation,
    }  # fmt: skip


def compose(draft: Draft, settings: MailSettings, now: datetime) -> EmailMessage:
    """The email of a claimed message (its Message-ID names the complaint
    and the outbox message, so a retry carries the same one)."""
    text_env, html_env = _environments(settings.templates, draft.project)
    name, given = f"{draft.purpose}.mail", values(draft, settings)
    message = EmailMessage()
    message["Subject"] = " ".join(_block(text_env, name, "subject", given).split())
    message["From"] = settings.sender
    message["To"] = draft.recipient
    message["Date"] = format_datetime(now.astimezone(UTC))
    message["Message-ID"] = sent_message_id(draft.ref, draft.message, settings.domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_block(text_env, name, "text", given).strip() + "\n")
    message.add_alternative(_block(html_env, name, "html", given), subtype="html")
    return message
