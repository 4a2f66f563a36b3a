"""A sent mail's Message-ID leads a reply back to its complaint."""

from __future__ import annotations

from uuid import UUID

import pytest

from ledger.mail.messageid import replied_reference, sent_message_id

MESSAGE = UUID("0f3c2b1a-0000-4000-8000-00000000abcd")


def test_a_sent_message_id_names_the_complaint_and_the_outbox_message() -> None:
    assert (
        sent_message_id("c-7", MESSAGE, "Complaints.Example.org")
        == f"<C-7.{MESSAGE.hex}@complaints.example.org>"
    )


def test_a_reply_to_a_sent_message_finds_its_complaint() -> None:
    sent = sent_message_id("C-12", MESSAGE, "complaints.example.org")
    assert (
        replied_reference([sent], "Re: your complaint", "complaints.example.org")
        == "C-12"
    )


def test_the_newest_reference_wins_over_older_ones_and_the_subject() -> None:
    old = sent_message_id("C-3", MESSAGE, "d.example")
    new = sent_message_id("C-4", MESSAGE, "d.example")
    assert (
        replied_reference(["", f"{old} <x@elsewhere> {new}"], "[C-9]", "d.example")
        == "C-4"
    )


def test_a_message_id_from_another_domain_is_not_ours() -> None:
    foreign = sent_message_id("C-3", MESSAGE, "other.example")
    assert replied_reference([foreign], "Re: hello", "d.example") is None


def test_a_subject_tag_names_the_complaint_when_no_header_does() -> None:
    assert replied_reference([], "Re: [c-21] printer", "d.example") == "C-21"


@pytest.mark.parametrize(
    "subject", ["[C-0] zero", "C-5 without brackets", "[C-] empty", ""]
)
def test_a_subject_without_a_valid_tag_names_nothing(subject: str) -> None:
    assert replied_reference([], subject, "d.example") is None


def test_a_reference_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError, match="not a complaint reference"):
        sent_message_id("7", MESSAGE, "d.example")
