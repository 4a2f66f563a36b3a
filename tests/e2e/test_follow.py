"""`plaint projections follow` keeps the views current with no reader asking."""

from __future__ import annotations

import subprocess
import sys
import time

from projections.catchup import open_store
from tests.conftest import Plaint


def listed_without_catching_up(plaint: Plaint) -> list[str]:
    ledger = plaint.open()
    store = open_store(ledger)
    rows = store.query(f"SELECT ref FROM {store.table_name_of('complaints')}")
    ledger.close()
    return [r["ref"] for r in rows]


def test_following_applies_new_events_as_they_are_written(plaint: Plaint) -> None:
    follower = subprocess.Popen(
        [sys.executable, "-c", "from commands import main; main()",
         "--ledger", plaint.ledger, "--as", "ann", "projections", "follow",
         "--for", "3.5"],
        env=plaint.environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        time.sleep(1.0)
        plaint.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
                  "--summary", "s")  # fmt: skip
        for _ in range(40):
            if listed_without_catching_up(plaint) == ["C-1"]:
                break
            time.sleep(0.1)
        assert listed_without_catching_up(plaint) == ["C-1"]
    finally:
        out, err = follower.communicate(timeout=30)
    assert follower.returncode == 0, err
    assert "Applied 1 new events." in out
