"""Witnesses that fail the worst ways, through the real CLI: one that
answers bytes that are not UTF-8, an address in the database that is not
http(s), and one that drips its answer a byte at a time. Each is one
`Warning:` line, never a traceback, and none holds a command up longer
than the witnesses' timeout."""

from __future__ import annotations

import http.server
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ledger.witnessing.client import TIMEOUT, Outcome, latest_cosigned
from ledger.witnessing.exchange import WitnessError
from tests.conftest import FILE, Plaint


class Garbage(http.server.BaseHTTPRequestHandler):
    """Answers every request 200 with bytes that are not UTF-8."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"\xff\xfe garbage")

    do_POST = do_GET

    def log_message(self, *_: object) -> None:
        pass


@contextmanager
def garbage_witness() -> Iterator[str]:
    """The URL of a witness on 127.0.0.1 that answers garbage."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Garbage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def dripping_witness() -> Iterator[str]:
    """The URL of a witness on 127.0.0.1 that answers every request with
    headers and then one byte of its body every 0.1 s, for 20 s: each read
    gets a byte well within any timeout, the whole answer never does."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip(connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)
            try:
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\n")
                for _ in range(200):
                    if stop.wait(0.1):
                        return
                    connection.sendall(b"x")
            except OSError:
                return

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=drip, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()


def named_witness(plaint: Plaint, url: str) -> str:
    """Name a new witness at `url` on `plaint`'s ledger; its verifier key."""
    key = plaint.home / "w.key"
    vkey = plaint.ok("witness", "keygen", str(key), "--name", "w.example").strip()
    plaint.ok("witness", "add", url, vkey)
    return vkey


def test_a_witness_answering_bytes_that_are_not_utf8_is_one_warning(
    sqlite_plaint: Plaint,
) -> None:
    sqlite_plaint.ok(*FILE, "--summary", "Slow")
    with garbage_witness() as url:
        vkey = named_witness(sqlite_plaint, url)
        signed = sqlite_plaint("checkpoint")
        verified = sqlite_plaint("verify", "--witness", f"{vkey}@{url}")
    assert (signed.exit_code, signed.stderr) == (0,
        "Warning: witness w.example did not cosign: answered no cosignature by "
        "its key (it is asked again with the next checkpoint)\n"
    )  # fmt: skip
    assert (verified.exit_code, verified.stderr) == (1,
        "Warning: witness w.example served a checkpoint that fails: it is not "
        "UTF-8 text\n"
        "Error: the log failed verification: only 0 of the 1 witnesses required "
        "cosigned a checkpoint of this log\n"
    )  # fmt: skip


def test_a_witness_address_in_the_database_that_is_not_http_is_never_opened(
    sqlite_plaint: Plaint, tmp_path: Path
) -> None:
    sqlite_plaint.ok(*FILE, "--summary", "Slow")
    vkey = named_witness(sqlite_plaint, "https://w.example")
    # An intruder who can write the database points the witness at a file.
    planted = tmp_path / "planted"
    planted.mkdir()
    with sqlite3.connect(sqlite_plaint.ledger) as conn:
        conn.execute("UPDATE plaint_witnesses SET url = ?", (planted.as_uri(),))
    signed = sqlite_plaint("checkpoint")
    verified = sqlite_plaint("verify", "--witness", vkey)
    assert (signed.exit_code, signed.stderr) == (0,
        f"Warning: witness w.example did not cosign: unreachable: "
        f"'{planted.as_uri()}/add-checkpoint' is not an http or https URL (it is "
        "asked again with the next checkpoint)\n"
    )  # fmt: skip
    assert (verified.exit_code, verified.stderr) == (1,
        f"Warning: witness w.example's address in the ledger, '{planted.as_uri()}', "
        "is not an http or https URL, so it was not asked: only the kept "
        "cosignatures count\n"
        "Error: the log failed verification: only 0 of the 1 witnesses required "
        "cosigned a checkpoint of this log\n"
    )  # fmt: skip


def test_a_dripping_witness_is_given_up_on_at_the_deadline_not_per_read() -> None:
    with dripping_witness() as url:
        started = time.monotonic()
        late = r"^it did not answer within 0\.5 seconds$"
        with pytest.raises(WitnessError, match=late):
            latest_cosigned(url, "plaint/x", timeout=0.5)
        assert time.monotonic() - started < 1.5


def test_signing_a_checkpoint_waits_on_a_dripping_witness_only_until_the_timeout(
    sqlite_plaint: Plaint,
) -> None:
    sqlite_plaint.ok(*FILE, "--summary", "Slow")
    with dripping_witness() as url:
        named_witness(sqlite_plaint, url)
        started = time.monotonic()
        signed = sqlite_plaint("checkpoint")
        took = time.monotonic() - started
    assert (signed.exit_code, signed.stderr) == (0,
        "Warning: witness w.example did not cosign: unreachable: it did not "
        "answer within 5 seconds (it is asked again with the next checkpoint)\n"
    )  # fmt: skip
    assert TIMEOUT <= took < TIMEOUT + 1.5


def test_signing_stops_waiting_for_the_threads_asking_witnesses_at_the_deadline(
    sqlite_plaint: Plaint, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqlite_plaint.ok(*FILE, "--summary", "Slow")
    vkey = named_witness(sqlite_plaint, "http://127.0.0.1:9")
    sqlite_plaint.ok("checkpoint")  # refused: the witness has not cosigned it
    release = threading.Event()

    def stuck(*_: object) -> Outcome:
        release.wait(10)
        return Outcome("late line\n", 1)

    monkeypatch.setattr("ledger.witnessing.client.ask", stuck)
    ledger = sqlite_plaint.open()
    started = time.monotonic()
    try:
        asked = ledger.witness_latest(timeout=0.2)
    finally:
        release.set()
    assert time.monotonic() - started < 1.5
    late = "unreachable: it did not answer within 0.2 seconds"
    assert asked == [{"witness": "w.example", "cosigned": False, "problem": late}]
    [listed] = ledger.witnesses()
    assert (listed["vkey"], listed["problem"]) == (vkey, asked[0]["problem"])
