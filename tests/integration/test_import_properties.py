"""Property-based tests of importing: every record is accounted for as
imported, skipped or rejected, and a second import adds nothing."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application import ComplaintLedger
from ledger.sources.records import Defaults, read_source
from ledger.storage.location import parse_location

CHANNELS = st.sampled_from(["email", "phone", "web", "fax", "", "EMAIL"])
SEVERITIES = st.sampled_from(["mild", "severe", "positive", "awful", ""])
TEXT = st.text(min_size=0, max_size=40)
TIMES = st.sampled_from(["2026-03-01T10:00", "2026-03-01", "yesterday", ""])
ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "project": TEXT,
            "channel": CHANNELS,
            "severity": SEVERITIES,
            "summary": TEXT,
            "detail": TEXT,
            "customer": TEXT,
            "received_at": TIMES,
            "external_id": st.one_of(st.none(), TEXT),
        }
    ),
    max_size=12,
)
QUICK = settings(max_examples=40, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])  # fmt: skip


def as_csv(rows: list[dict[str, str | None]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(ROWS_FIELDS))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


ROWS_FIELDS = ("project", "channel", "severity", "summary", "detail", "customer",
               "received_at", "external_id")  # fmt: skip


@QUICK
@given(rows=ROWS, jsonl=st.booleans())
def test_every_record_is_imported_skipped_or_rejected(
    rows: list[dict[str, str | None]], jsonl: bool
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        source = root / ("rows.jsonl" if jsonl else "rows.csv")
        if jsonl:
            source.write_text("".join(json.dumps(r) + "\n" for r in rows))
        else:
            source.write_text(as_csv(rows))
        environ = {"XDG_CONFIG_HOME": str(root / "config")}
        ledger = ComplaintLedger.create(
            parse_location(str(root / "ledger.sqlite"), environ), admin="ann",
            environ=environ,
        )  # fmt: skip
        try:
            done = ledger.import_records(
                lambda: read_source(source, None, Defaults()), skip_invalid=True
            )
            again = ledger.import_records(
                lambda: read_source(source, None, Defaults()), skip_invalid=True
            )
            accounted = done["imported"] + done["skipped"] + len(done["rejected"])
            assert accounted == len(rows)
            assert again["imported"] == 0
            assert again["skipped"] == done["imported"] + done["skipped"]
            assert ledger.complaint_count() == done["imported"]
        finally:
            ledger.close()
