"""Reading mail in: the threading rule, the digest of a message without a
Message-ID, and the mailbox URLs `--imap` takes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledger.errors import InvalidInput
from ledger.mail.inbound import content_id, joins, read_inbound
from service.mail.imap import Mailbox

NOW = datetime(2026, 3, 3, tzinfo=UTC)
RAW = b"From: a@example.org\r\nSubject: Re: [c-7] hello\r\n\r\nbody\r\n"


def test_a_reply_joins_only_from_the_customers_own_address() -> None:
    assert joins("Jane@Example.com", "jane@example.com")
    assert not joins("jane@example.com", "jane@example.com.evil.example")
    assert not joins(None, "jane@example.com")
    assert not joins("jane@example.com", None)
    assert not joins("+44 20 7946 0000", "jane@example.com")


def test_a_subject_tag_names_a_complaint_and_a_foreign_message_id_does_not() -> None:
    mail = read_inbound(RAW, "P", "mild", "complaints.example.org", NOW)
    assert (mail.cited, mail.tagged, mail.subject) == (
        None, "C-7", "Re: [c-7] hello",
    )  # fmt: skip
    cited = b"In-Reply-To: <C-9.0123456789abcdef0123456789abcdef@elsewhere.example>\r\n"
    mail = read_inbound(cited + RAW, "P", "mild", "complaints.example.org", NOW)
    assert (mail.cited, mail.tagged) == (None, "C-7")


def test_a_message_id_of_our_domain_is_read_as_a_claim_with_its_message() -> None:
    hexa = "0123456789ABCDEF0123456789ABCDEF"
    cited = f"References: <x@y> <c-9.{hexa}@Complaints.Example.org>\r\n".encode()
    mail = read_inbound(cited + RAW, "P", "mild", "complaints.example.org", NOW)
    assert mail.cited == ("C-9", f"<C-9.{hexa.lower()}@complaints.example.org>")
    assert mail.tagged == "C-7"


def test_the_digest_of_a_message_leaves_out_what_mail_servers_add() -> None:
    trace = (
        b"Received: from mx.example.org\r\n  by relay; Mon, 2 Mar 2026 09:00 +0000\r\n"
        b"Return-Path: <a@example.org>\r\nDelivered-To: complaints@example.org\r\n"
    )
    assert content_id(trace + RAW) == content_id(RAW)
    assert content_id(RAW.replace(b"body", b"other")) != content_id(RAW)
    assert content_id(RAW).startswith("sha256:")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("imaps://complaints@mail.example.org/INBOX",
         Mailbox(True, "mail.example.org", 993, "complaints", "INBOX")),
        ("imap://jane%40example.org@127.0.0.1:1143",
         Mailbox(False, "127.0.0.1", 1143, "jane@example.org", "INBOX")),
        ("imaps://u@h.example/Support%20mail",
         Mailbox(True, "h.example", 993, "u", "Support mail")),
    ],
)  # fmt: skip
def test_a_mailbox_url_names_the_server_the_user_and_the_folder(
    url: str, expected: Mailbox
) -> None:
    assert Mailbox.parse(url) == expected


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("pop3://u@h/INBOX",
         "'pop3://u@h/INBOX' is not a mailbox: give imaps://user@host/INBOX "
         "(or imap://… for STARTTLS)"),
        ("imaps://mail.example.org/INBOX",
         "say who signs in: imaps://USER@mail.example.org/…"),
        ("imaps://u:secret@h/INBOX",
         "put the IMAP password in PLAINT_IMAP_PASSWORD, not in the URL, where "
         "other users of the machine can read it"),
        ("imaps://u@h:99999/INBOX", "'imaps://u@h:99999/INBOX' has no usable port"),
    ],
)  # fmt: skip
def test_a_mailbox_url_that_cannot_be_used_is_refused(url: str, error: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Mailbox.parse(url)
    assert str(caught.value) == error
