"""Mail as the outbox composes it: plain text and HTML, the customer's words
escaped in the HTML, templates overridden per project; SMTP settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from uuid import UUID

import pytest

from ledger.errors import InvalidInput
from ledger.mail.compose import MailSettings, compose, mail_settings
from ledger.mail.outbox import RETRY_BASE, Draft, pause, retry_base
from ledger.mail.smtp import smtp_settings

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
MESSAGE = UUID("0f3c2a4e5b6d7e8f9a0b1c2d3e4f5a6b")


def draft(purpose: str = "responded", project: str = "Payroll") -> Draft:
    return Draft(
        message=MESSAGE, complaint_id=UUID(int=7), ref="C-7", project=project,
        purpose=purpose, recipient="ada@example.org",
        text="Fixed <b>now</b> & for good",
        received_at=NOW, ack_due=NOW + timedelta(hours=4), link="SECRET",
        link_purpose="status", attempts=0, not_before=NOW,
    )  # fmt: skip


def parts(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()  # type: ignore[attr-defined]


SETTINGS = MailSettings("https://complaints.example.org", "complaints@example.org")


def test_a_message_is_text_and_html_with_the_customers_words_escaped_in_the_html() -> (
    None
):
    message = compose(draft(), SETTINGS, NOW)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Message-ID"] == (
        "<C-7.0f3c2a4e5b6d7e8f9a0b1c2d3e4f5a6b@complaints.example.org>"
    )
    assert message["Subject"] == "[C-7] Our reply about Payroll"
    text, html = parts(message)
    assert text.startswith("Hello,\n")
    assert "Fixed <b>now</b> & for good" in text
    assert "Fixed &lt;b&gt;now&lt;/b&gt; &amp; for good" in html
    assert "https://complaints.example.org/s/SECRET" in text


def test_the_acknowledgement_gives_the_deadline_in_words() -> None:
    text, _html = parts(compose(draft("ack"), SETTINGS, NOW))
    assert (
        "Someone from the team will pick it up by Monday 30 November 2026 at "
        "13:00 UTC (within 4 hours)." in text
    )


def test_a_projects_own_template_overrides_one_block_and_others_keep_the_default(
    tmp_path: Path,
) -> None:
    (tmp_path / "Payroll").mkdir()
    (tmp_path / "Payroll" / "ack.mail").write_text(
        '{% extends "default/ack.mail" %}'
        "{% block title %}Payroll heard you, {{ ref }}{% endblock %}"
    )
    settings = mail_settings(
        "https://complaints.example.org", {"PLAINT_MAIL_TEMPLATES": str(tmp_path)}
    )
    assert compose(draft("ack"), settings, NOW)["Subject"] == (
        "[C-7] Payroll heard you, C-7"
    )
    other = compose(draft("ack", project="Apollo"), settings, NOW)
    assert other["Subject"] == "[C-7] We received your message about Apollo"
    escaping = compose(draft("ack", project="../Payroll"), settings, NOW)
    assert escaping["Subject"] == "[C-7] We received your message about ../Payroll"


def test_retries_wait_twice_as_long_each_time_up_to_an_hour() -> None:
    assert [pause(n) for n in (1, 2, 3, 7, 8, 30)] == [30, 60, 120, 1920, 3600, 3600]
    assert [pause(n, 1) for n in (1, 2, 3, 13)] == [1, 2, 4, 3600]


def test_the_first_pause_is_set_in_whole_seconds_up_to_an_hour() -> None:
    assert retry_base({}) == retry_base({RETRY_BASE: " "}) == 30
    assert retry_base({RETRY_BASE: "5"}) == 5
    assert retry_base({RETRY_BASE: "3600"}) == 3600
    for bad in ("0", "0.5", "-1", "3601", "soon"):
        with pytest.raises(InvalidInput) as refused:
            retry_base({RETRY_BASE: bad})
        assert str(refused.value) == (
            f"PLAINT_OUTBOX_RETRY_BASE must be whole seconds from 1 to 3600, "
            f"not {bad!r}"
        )


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://mail.example.org", "'http://mail.example.org' is not an SMTP URL "
         "like smtp://mail.example.org:587"),
        ("smtp://u:p@mail.example.org", "give the SMTP user and password in "
         "PLAINT_SMTP_USER and PLAINT_SMTP_PASSWORD, not in the URL, where they "
         "would show in process lists"),
    ],
)  # fmt: skip
def test_an_smtp_url_with_a_password_or_another_scheme_is_refused(
    url: str, error: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        smtp_settings(url, {})
    assert str(refused.value) == error


def test_smtp_settings_take_credentials_from_the_environment_and_never_show_them() -> (
    None
):
    found = smtp_settings(
        "smtp://mail.example.org?starttls=require",
        {"PLAINT_SMTP_USER": "plaint", "PLAINT_SMTP_PASSWORD": "hunter2"},
    )
    assert (found.host, found.port, found.require_starttls) == (
        "mail.example.org", 587, True,
    )  # fmt: skip
    assert found.password == "hunter2"
    assert "hunter2" not in repr(found)
    assert smtp_settings("smtps://mail.example.org", {}).port == 465


def test_smtp_needs_starttls_but_to_a_loopback_address_or_where_the_url_says_not() -> (
    None
):
    def required(url: str) -> bool:
        return smtp_settings(url, {}).require_starttls

    assert required("smtp://mail.example.org")
    assert required("smtp://192.0.2.2:25")
    assert not required("smtp://127.0.0.1:25")
    assert not required("smtp://[::1]:25")
    assert required("smtp://127.0.0.1:25?starttls=require")
    assert not required("smtp://mail.example.org?starttls=opportunistic")
    with pytest.raises(InvalidInput) as refused:
        smtp_settings("smtp://mail.example.org?starttls=maybe", {})
    assert str(refused.value) == (
        "'smtp://mail.example.org?starttls=maybe' has an unknown starttls: "
        "say ?starttls=require or ?starttls=opportunistic"
    )


def test_mail_needs_a_public_url_for_its_links() -> None:
    with pytest.raises(InvalidInput) as refused:
        mail_settings(None, {})
    assert str(refused.value) == (
        "sending mail needs --public-url (or PLAINT_PUBLIC_URL): the links in "
        "each message point there"
    )
