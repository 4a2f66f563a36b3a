"""Property-based tests of reading intake: any input is read without a
traceback, each record an intake or a reason."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.errors import InvalidInput
from ledger.sources.records import Defaults, read_source

QUICK = settings(max_examples=40, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])  # fmt: skip


@QUICK
@given(
    data=st.binary(max_size=2000),
    suffix=st.sampled_from([".csv", ".jsonl", ".eml", ".mbox"]),
)
def test_arbitrary_bytes_never_raise_anything_but_a_clear_error(
    data: bytes, suffix: str
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"input{suffix}"
        path.write_bytes(data)
        problem = None
        try:
            for record in read_source(path, None, Defaults(project="P")):
                assert (record.intake is None) != (record.reason is None)
        except InvalidInput as error:
            problem = str(error)
        assert problem is None or problem.strip()
