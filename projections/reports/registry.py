"""The reports: each one's name, title, parameters and data, and the one way
to build a report's data with its header, whichever adapter asks for it.

lessons, warnings and team read the views (as they stand, or as they stood
at `as_of`); route replays one complaint through the ledger; access (who
read or was refused what) is for compliance, auditors and admins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ledger.domain.timeutil import iso
from ledger.domain.vocabulary import ReadAction
from ledger.errors import InvalidInput

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger
    from projections.store import ViewSQL

Body = dict[str, Any]
Data = Callable[["ComplaintLedger", "ViewSQL | None", datetime, dict[str, Any]], Body]


@dataclass(frozen=True)
class Report:
    """One report: its title, the parameters it takes (in the order a run
    records them), the function giving its data, what its title is about, and
    whether it reads the views (route reads the ledger only), and what the
    actor must be allowed to do on the read side to run it."""

    title: str
    parameters: tuple[str, ...]
    data: Data
    subject: Callable[[Body], str] = lambda _body: ""
    views: bool = True
    needs: ReadAction = ReadAction.REPORT


def _lessons(
    ledger: ComplaintLedger, store: ViewSQL | None, now: datetime, p: dict[str, Any]
) -> Body:
    from projections.reports import common, lessons

    assert store is not None
    project, as_of = p["project"], p["as_of"]
    if project not in common.projects(store):
        known = ", ".join(common.projects(store)) or "none yet"
        raise InvalidInput(
            f"no complaints about project '{project}' (projects: {known})"
        )
    return lessons.lessons(
        ledger, store, project, now if as_of is None else as_of, as_of
    )


def _route(
    ledger: ComplaintLedger, _store: ViewSQL | None, _now: datetime, p: dict[str, Any]
) -> Body:
    from projections.reports import route

    return route.route(ledger, p["ref"])


def _warnings(
    ledger: ComplaintLedger, store: ViewSQL | None, now: datetime, p: dict[str, Any]
) -> Body:
    from projections.reports import warnings

    assert store is not None
    return warnings.warnings(ledger, store, now if p["as_of"] is None else p["as_of"])


def _team(
    ledger: ComplaintLedger, store: ViewSQL | None, now: datetime, p: dict[str, Any]
) -> Body:
    from projections.reports import team

    assert store is not None
    moment = now if p["as_of"] is None else p["as_of"]
    return team.team(ledger, store, moment, p["project"])


def _access(
    ledger: ComplaintLedger, store: ViewSQL | None, now: datetime, p: dict[str, Any]
) -> Body:
    from projections.reports import access

    assert store is not None
    return access.access(ledger, store, now, p["since"], p["complaint"])


REPORTS: dict[str, Report] = {
    "lessons": Report(
        "Lessons learned",
        ("project", "as_of"),
        _lessons,
        lambda body: f": {body['project']}",
    ),
    "route": Report(
        "Escalation route",
        ("ref",),
        _route,
        lambda body: f" of {body['ref']}",
        views=False,
    ),
    "warnings": Report("Early warnings", ("as_of",), _warnings),
    "team": Report("Team handling", ("project", "as_of"), _team),
    "access": Report(
        "Access review",
        ("since", "complaint"),
        _access,
        lambda body: "" if body["complaint"] is None else f" of {body['complaint']}",
        needs=ReadAction.ACCESS_REPORT,
    ),
}


def runnable(ledger: ComplaintLedger) -> list[str]:
    """The names of the reports the actor may run, in the registry's order."""
    return [name for name, r in REPORTS.items() if ledger.allows_read(r.needs)]


def open_for(
    open_ledger: Callable[[], ComplaintLedger],
    name: str,
    now: datetime,
    as_of: datetime | None = None,
) -> tuple[ComplaintLedger, ViewSQL | None]:
    """The ledger (from `open_ledger`) and the views report `name` reads,
    caught up with the log (with `as_of`, built afresh as they stood then),
    once the actor may generate reports; no views for a report that reads
    none, and no check of the actor's role before its data does it."""
    from projections.catchup import catch_up, memory_store, open_store

    if not REPORTS[name].views:
        return open_ledger(), None
    if as_of is None:
        ledger = open_ledger()
        store = open_store(ledger)
        catch_up(ledger, store)
    else:
        if as_of > now:
            raise InvalidInput(f"--as-of {iso(as_of)} is in the future")
        ledger, store = open_ledger(), memory_store()
        catch_up(ledger, store, until=as_of)
    ledger.authorise_read(ReadAction.REPORT)
    return ledger, store


def build(
    ledger: ComplaintLedger,
    store: ViewSQL | None,
    name: str,
    now: datetime,
    parameters: dict[str, Any],
) -> Body:
    """One report's data (`store` from `open_for`): its header, then what it shows."""
    from projections.reports.common import header

    report = REPORTS[name]
    given = {key: parameters.get(key) for key in report.parameters}
    if report.views:
        assert store is not None
        covering = min(store.positions().values())
        body = report.data(ledger, store, now, given)
    else:
        body = report.data(ledger, None, now, given)
        covering = ledger.events_after(0)
    recorded = {k: iso(v) if isinstance(v, datetime) else v for k, v in given.items()}
    title = report.title + report.subject(body)
    head = header(ledger, name, title, recorded, covering, now, given.get("as_of"))
    return {"header": head, **body}


def record(ledger: ComplaintLedger, data: Body) -> None:
    """Record that the actor generated the report `data` (from `build`) holds."""
    head = data["header"]
    ledger.record_report(head["report"], head["parameters"], head["events"]["last"])
