"""`plaint projections follow` keeps the views current with no reader asking."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
from typing import IO

from projections.catchup import open_store
from tests.conftest import Plaint

READY = "Following the log… (press Ctrl-C to stop)"


def listed_without_catching_up(plaint: Plaint) -> list[str]:
    ledger = plaint.open()
    store = open_store(ledger)
    rows = store.query(f"SELECT ref FROM {store.table_name_of('complaints')}")
    ledger.close()
    return [r["ref"] for r in rows]


def lines_of(stream: IO[str]) -> queue.Queue[str]:
    """The lines of `stream` as they come, read by a thread of their own that
    closes it at its end."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        with stream:
            for line in stream:
                lines.put(line.rstrip("\n"))
        lines.put("")  # the end

    threading.Thread(target=read, daemon=True).start()
    return lines


def test_following_applies_new_events_as_they_are_written(plaint: Plaint) -> None:
    follower = subprocess.Popen(
        [sys.executable, "-c", "from commands import main; main()",
         "--ledger", plaint.ledger, "--as", "ann", "projections", "follow",
         "--for", "120"],
        env=plaint.environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert follower.stdout is not None
    assert follower.stderr is not None
    out, err = lines_of(follower.stdout), lines_of(follower.stderr)
    try:
        # However slow the machine, it files only once the follower is ready.
        assert err.get(timeout=60) == READY
        plaint.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
                  "--summary", "s")  # fmt: skip
        assert out.get(timeout=60) == "Applied 1 new events."
        assert listed_without_catching_up(plaint) == ["C-1"]
    finally:
        follower.send_signal(signal.SIGINT)
        follower.wait(timeout=30)
    assert follower.returncode == 0
    assert err.get(timeout=30) == "Stopped."
    assert out.get(timeout=30) == err.get(timeout=30) == ""
