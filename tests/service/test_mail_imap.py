"""Mail fetched from a real IMAP server (Dovecot on 127.0.0.1) by `plaint
serve --imap` and `plaint mail fetch`: each message filed, then deleted; a
poller killed between the commit and the delete files nothing twice."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from service.mail.imap import FAULT_EXIT, FAULT_VARIABLE, REFUSED_KEYWORD
from tests.conftest import Plaint, error_line, events
from tests.service.conftest import Dovecot, Server

JANE = "jane@example.com"


def message(number: int, subject: str = "", sender: str = JANE) -> bytes:
    return (
        f"From: {sender}\r\nSubject: {subject or f'complaint {number}'}\r\n"
        f"Message-ID: <m{number}@example.com>\r\n\r\nBody {number}\r\n"
    ).encode()


def summaries(plaint: Plaint) -> list[str]:
    listed = json.loads(plaint.ok("list", "--json"))
    return sorted(row["ref"] for row in listed)


def test_messages_appended_to_the_mailbox_are_filed_then_deleted(
    dovecot: Dovecot, imap_serve: Callable[..., Server]
) -> None:
    folder = dovecot.new_folder()
    before = dovecot.tls_logins()
    server = imap_serve(folder)
    dovecot.append(folder, message(1), message(2))
    dovecot.wait_until(folder, 0)
    assert dovecot.tls_logins() == before + 1  # imap:// upgraded with STARTTLS
    assert summaries(server.plaint) == ["C-1", "C-2"]
    # While the server waits in IDLE: a reply, and a message with nothing in it.
    dovecot.append(folder, message(3, "Re: [C-2] more"), b"\r\n\r\n")
    dovecot.wait_until(folder, 1)
    [(flags, raw)] = dovecot.waiting(folder)
    assert REFUSED_KEYWORD.encode() in flags
    assert raw.strip() == b""
    history = json.loads(server.plaint.ok("history", "C-2", "--json"))
    assert [row["kind"] for row in history] == ["filed", "replied"]
    assert summaries(server.plaint) == ["C-1", "C-2"]


def test_a_poller_killed_between_commit_and_delete_files_nothing_twice(
    dovecot: Dovecot, imap_serve: Callable[..., Server]
) -> None:
    folder = dovecot.new_folder()
    server = imap_serve(folder, **{FAULT_VARIABLE: "exit-after-commit"})
    dovecot.append(folder, message(1), message(2))
    assert server.process.wait(20) == FAULT_EXIT
    # The first message's complaint was committed; the message is still there.
    assert summaries(server.plaint) == ["C-1"]
    assert len(dovecot.waiting(folder)) == 2
    filed = events(server.plaint)

    server.environ = {k: v for k, v in server.environ.items() if k != FAULT_VARIABLE}
    server.restart()
    dovecot.wait_until(folder, 0)
    assert summaries(server.plaint) == ["C-1", "C-2"]
    # One complaint and its claim more, nothing twice.
    assert events(server.plaint) == filed + 2


def test_mail_fetch_takes_every_waiting_message_once_for_cron(
    dovecot: Dovecot, sqlite_plaint: Plaint, monkeypatch: pytest.MonkeyPatch
) -> None:
    plaint = sqlite_plaint
    folder = dovecot.new_folder()
    dovecot.append(folder, message(1), message(2), b"\r\n\r\n")
    plaint.environ["PLAINT_IMAP_PASSWORD"] = dovecot.password
    url = dovecot.url(folder, tls=True)
    fetch = ["mail", "fetch", "--imap", url, "--mail-project", "P"]
    # A server whose certificate is not trusted is refused.
    result = plaint(*fetch, actor="bob")
    assert result.exit_code == 1
    assert "CERTIFICATE_VERIFY_FAILED" in error_line(result.stderr)
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.certificate))
    assert plaint.ok(*fetch, actor="bob") == (
        "Recorded 2; refused 1; kept to try again 0.\n"
    )
    assert json.loads(plaint.ok(*fetch, "--json", actor="bob")) == {
        "recorded": 0, "refused": 0, "retry": 0,
    }  # fmt: skip
    assert summaries(plaint) == ["C-1", "C-2"]
    plaint.environ["PLAINT_IMAP_PASSWORD"] = "wrong"
    result = plaint(*fetch, actor="bob")
    assert result.exit_code == 1
    assert result.stderr.endswith(
        f"Error: IMAP 127.0.0.1:{dovecot.tls_port}: [AUTHENTICATIONFAILED] "
        "Authentication failed.\n"
    )
