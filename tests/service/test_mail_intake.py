"""Mail taken in without holding up the server: a message is read once,
outside the ledger's lock every page needs; a header section no mail needs
is refused unread; LMTP takes a message once for all its recipients."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pytest

import ledger.sources.email
from ledger.domain.identity import Identity
from ledger.storage.location import parse_location
from service.mail.intake import MailIntake, Taken, Verdict
from service.mail.lmtp import Handler
from service.served import Served
from tests.conftest import Plaint, events

DOMAIN = "complaints.example.org"


def message(message_id: str, *extra: str, body: str = "It broke.") -> bytes:
    lines = ["From: Jane <jane@example.com>", "Subject: hello", *extra]
    lines.append(f"Message-ID: <{message_id}@example.com>")
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()


def intake_on(plaint: Plaint) -> tuple[Served, MailIntake]:
    served = Served(parse_location(plaint.ledger, plaint.environ), plaint.environ)
    acting = partial(served.acting, Identity("bob"))
    return served, MailIntake(acting, "Apollo", "mild", DOMAIN)


def test_a_message_with_thousands_of_header_lines_is_refused_quickly(
    sqlite_plaint: Plaint,
) -> None:
    served, intake = intake_on(sqlite_plaint)
    before = events(sqlite_plaint)
    many = message("many", *["References: <x@y.example>"] * 5_000)
    started = time.monotonic()
    taken = intake.take(many)
    assert taken == Taken(Verdict.REFUSED, "the message has over 1,000 header lines")
    assert time.monotonic() - started < 2
    wide = message("wide", "X-Long: " + "a" * 300_000)
    assert intake.take(wide) == Taken(
        Verdict.REFUSED, "the message's headers are over 256 KiB"
    )
    assert events(sqlite_plaint) == before
    # A long thread's few hundred References are mail like any other.
    assert intake.take(message("thread", *["References: <x@y.example>"] * 900))
    assert events(sqlite_plaint) > before
    served.close()


def test_a_page_gets_the_ledger_while_a_large_message_is_read(
    sqlite_plaint: Plaint, monkeypatch: pytest.MonkeyPatch
) -> None:
    served, intake = intake_on(sqlite_plaint)
    served.run(Identity("bob"), lambda ledger: ledger.team_and_policy())
    reading, done_reading = threading.Event(), threading.Event()
    locked_while_reading: list[bool] = []
    parser = ledger.sources.email._PARSER

    class Slow:
        """The real parser, held up until a page has had the ledger."""

        def parsebytes(self, raw: bytes) -> Any:
            locked_while_reading.append(served.lock.locked())
            reading.set()
            done_reading.wait(10)
            return parser.parsebytes(raw)

    monkeypatch.setattr(ledger.sources.email, "_PARSER", Slow())
    legal = message("legal", body="A long letter.\r\n" * 200_000)  # 3.2 MB
    taker = threading.Thread(target=lambda: outcome.append(intake.take(legal)))
    outcome: list[Taken] = []
    taker.start()
    assert reading.wait(10)
    # What a page does first: take the lock (it would wait out the parse).
    got = served.lock.acquire(timeout=2)
    if got:
        served.lock.release()
    done_reading.set()
    taker.join(30)
    assert got
    assert locked_while_reading == [False]
    assert outcome[0].verdict is Verdict.RECORDED
    served.close()


@dataclass
class Counting:
    """An intake that counts the messages it takes."""

    taken: list[bytes] = field(default_factory=list)

    def take(self, raw: bytes) -> Taken:
        self.taken.append(raw)
        return Taken(Verdict.REFUSED, "unreadable")


@dataclass
class Envelope:
    content: bytes
    rcpt_tos: list[str]
    original_content: bytes | None = None


def test_lmtp_takes_a_message_once_and_answers_each_recipient_alike() -> None:
    counting = Counting()
    handler = Handler(counting)  # type: ignore[arg-type]
    envelope = Envelope(b"Subject: x\r\n\r\ny\r\n", ["a@x.org", "b@x.org", "c@x.org"])
    reply = asyncio.run(handler.handle_DATA(None, None, envelope))
    assert reply.split("\r\n") == ["550 5.6.0 The message cannot be read"] * 3
    assert len(counting.taken) == 1
