"""The customer's side under a flood: the form counts an IPv6 client by its
/64 and every project's filings in an hour; a status link records a view at
most once in ten minutes, and pages through links are limited per client;
the counters keep no client address and are forgotten (SQLite and
PostgreSQL, and the database file)."""

from __future__ import annotations

import sqlite3
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ledger.application import ComplaintLedger
from ledger.cases.customers import form_project_limit
from ledger.cases.requests import client_of
from ledger.domain.identity import CUSTOMER, CUSTOMER_LINK, WEB_FORM, Identity
from ledger.domain.timeutil import ManualClock
from ledger.errors import InvalidInput, Throttled, UnknownReference
from projections.catchup import catch_up, open_store
from projections.views import ACCESS
from tests.conftest import Plaint

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def file_from(
    ledger: ComplaintLedger, address: str, project: str = "Payroll"
) -> dict[str, Any]:
    with ledger.acting(Identity(CUSTOMER, WEB_FORM, address)):
        return ledger.file_from_web(
            project, "The payslip page is empty", "hinders", "Ada",
            "ada@example.org", accepting={"Payroll", "Canteen"},
        )  # fmt: skip


def status_from(ledger: ComplaintLedger, address: str, link: str) -> dict[str, Any]:
    with ledger.acting(Identity(CUSTOMER, CUSTOMER_LINK, address)):
        return ledger.customer_status(link)


def test_a_client_counts_as_its_ipv4_address_or_its_ipv6_64() -> None:
    assert client_of("198.51.100.7") == "198.51.100.7"
    assert (
        client_of("2001:db8::1") == client_of("2001:db8::ffff:1") == ("2001:db8::/64")
    )
    assert client_of("2001:db8:0:1::1") == "2001:db8:0:1::/64"
    assert client_of("::ffff:198.51.100.7") == "198.51.100.7"
    assert client_of(None) == "unknown"


def test_the_form_takes_five_filings_an_hour_from_one_ipv6_64(plaint: Plaint) -> None:
    clock = ManualClock(START)
    ledger = plaint.open("ann", clock=clock)
    for host in range(1, 6):
        file_from(ledger, f"2001:db8::{host:x}")
    with pytest.raises(Throttled) as refused:
        file_from(ledger, "2001:db8::beef")
    assert str(refused.value) == "too many requests; try again in 3600 seconds"
    file_from(ledger, "2001:db8:0:1::1")  # the next /64 is someone else
    clock.now += timedelta(hours=1)
    file_from(ledger, "2001:db8::beef")
    ledger.close()


def test_a_projects_form_takes_its_hourly_limit_from_any_number_of_addresses(
    plaint: Plaint,
) -> None:
    plaint.environ["PLAINT_FORM_PROJECT_LIMIT"] = "3"
    ledger = plaint.open("ann", clock=ManualClock(START))
    for host in range(1, 4):
        file_from(ledger, f"198.51.100.{host}")
    with pytest.raises(Throttled):
        file_from(ledger, "198.51.100.4")
    file_from(ledger, "198.51.100.4", project="Canteen")
    ledger.close()
    assert form_project_limit({}) == 60
    for bad in ("0", "-1", "lots", "1.5"):
        with pytest.raises(InvalidInput) as refused:
            form_project_limit({"PLAINT_FORM_PROJECT_LIMIT": bad})
        assert str(refused.value) == (
            "PLAINT_FORM_PROJECT_LIMIT must be a whole number of filings an "
            f"hour from 1, not '{bad}'"
        )


def test_a_status_link_records_one_view_in_ten_minutes_and_a_client_sixty(
    plaint: Plaint,
) -> None:
    clock = ManualClock(START)
    ledger = plaint.open("ann", clock=clock)
    filed = file_from(ledger, "198.51.100.9")

    def views() -> int:
        store = open_store(ledger)
        catch_up(ledger, store)
        table = store.table_name(ACCESS)
        rows = store.query(f"SELECT purpose FROM {table}")
        return sum(row["purpose"] == "status page" for row in rows)

    before = views()
    for _ in range(30):
        assert status_from(ledger, "198.51.100.9", filed["link"])["ref"] == "C-1"
    assert views() == before + 1
    clock.now += timedelta(minutes=10)
    status_from(ledger, "198.51.100.9", filed["link"])
    assert views() == before + 2
    # Guessing links counts as much as using one.
    for attempt in range(60):
        with suppress(UnknownReference):
            link = filed["link"] if attempt % 2 else "a-guessed-link"
            status_from(ledger, "2001:db8::7", link)
    with pytest.raises(Throttled) as refused:
        status_from(ledger, "2001:db8::8", filed["link"])
    assert str(refused.value) == "too many requests; try again in 600 seconds"
    status_from(ledger, "198.51.100.10", filed["link"])
    ledger.close()


def test_counters_keep_no_client_address_and_are_forgotten_after_a_day(
    sqlite_plaint: Plaint,
) -> None:
    clock = ManualClock(START)
    ledger = sqlite_plaint.open("ann", clock=clock)
    filed = file_from(ledger, "2001:db8:5:6::1")
    status_from(ledger, "198.51.100.77", filed["link"])
    clock.now += timedelta(days=1, seconds=1)
    status_from(ledger, "203.0.113.99", filed["link"])
    ledger.close()
    with sqlite3.connect(sqlite_plaint.ledger) as db:
        buckets = [row[0] for row in db.execute("SELECT bucket FROM plaint_counters")]
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    # Today's two (the client's requests through links, the link's view):
    # yesterday's four are gone.
    assert len(buckets) == 2
    stored = b"".join(
        path.read_bytes()
        for path in sqlite_plaint.home.glob("ledger.sqlite*")
        if path.is_file()
    )
    for address in ("2001:db8:5:6", "198.51.100.77", "203.0.113.99"):
        assert address.encode() not in stored, address
