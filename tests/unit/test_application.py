"""ComplaintLedger's docstring is the index of its use cases: a reader sees at
once where `file`, `escalate` or `verify` lives."""

from __future__ import annotations

import inspect

from ledger import application
from ledger.application import ComplaintLedger
from ledger.cases.common import CaseBase


def indexed() -> dict[str, str]:
    """The docstring's table: use case → module."""
    assert application.__doc__ is not None
    found = {}
    for line in application.__doc__.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 2 and cells[0].endswith(".py"):
            found |= {name.strip(): cells[0] for name in cells[1].split(",")}
    return found


def defined() -> dict[str, str]:
    """Every public use case, by the module of ledger/cases/ that defines it
    (the outbox's are in ledger/mail/, with the rest of the mail)."""
    found = {}
    for area in ComplaintLedger.__mro__:
        where = area.__module__
        if not where.startswith(("ledger.cases.", "ledger.mail.")) or area is CaseBase:
            continue
        module = where.rpartition(".")[2] + ".py"
        if where.startswith("ledger.mail."):
            module = f"../mail/{module}"
        for name, member in vars(area).items():
            if not name.startswith("_") and inspect.isfunction(member):
                found[name] = module
    return found


def test_the_index_names_every_use_case_where_it_is_defined() -> None:
    assert indexed() == defined()


def test_events_are_written_by_one_save() -> None:
    savers = [
        area.__name__
        for area in ComplaintLedger.__mro__
        if "save" in vars(area) or "save_prepared" in vars(area)
    ]
    assert savers[0] == "LedgerBase"
