"""Each report's tables, as rows a spreadsheet can take (`--csv DIR`): one
table per thing the page tabulates or charts, with a header row, from the
same data the page shows (times in ISO 8601 UTC, durations in seconds,
shares as fractions), so a number in a CSV file is the number on the page.

Cells a spreadsheet would run as a formula are defused here (`cell`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Table = tuple[list[str], list[list[Any]]]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A value as a CSV cell: text a spreadsheet would take for a formula
    (starting with = + - @, a tab or a carriage return) gets a leading `'`,
    as OWASP advises, so it shows as text; None is an empty cell; lists are
    joined with `; `."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(part) for part in value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _text(row: dict[str, Any], name: str) -> Any:
    return None if row.get("text") is None else row["text"].get(name)


def _series(chart: dict[str, Any], first: str) -> Table:
    names = [s["name"] for s in chart["series"]]
    rows = [
        [label, *(s["values"][i] for s in chart["series"])]
        for i, label in enumerate(chart["labels"])
    ]
    return [first, *names], rows


def _rows(items: Iterable[dict[str, Any]], fields: dict[str, str]) -> Table:
    return list(fields), [[item.get(key) for key in fields.values()] for item in items]


def lessons(d: dict[str, Any]) -> dict[str, Table]:
    parts = d["channels"]["rows"][0]["parts"] if d["channels"]["rows"] else []
    listed = {"ref": "ref", "received_at": "received_at", "channel": "channel",
              "status": "status", "owner": "owner", "escalations": "escalations",
              "score": "score"}  # fmt: skip
    return {
        "volume": _series(d["volume"], "week"),
        "channels": (
            ["channel", *(p["name"] for p in parts), "total"],
            [[r["label"], *(p["value"] for p in r["parts"]), r["value"]]
             for r in d["channels"]["rows"]],
        ),
        "themes": (["channel", *d["themes"]["severities"]],
                   [[c, *d["themes"]["cells"][i]]
                    for i, c in enumerate(d["themes"]["channels"])]),
        "timing": _rows(d["timing"], {
            "deadline": "deadline", "met": "count", "median_seconds": "median",
            "p90_seconds": "p90", "target_seconds": "target", "judged": "judged",
            "breached": "breached", "breach_rate": "breach_rate"}),
        "breaches-by-channel": _rows(d["breaches"]["by_channel"]["rows"], {
            "channel": "label", "judged": "judged", "breached": "breached",
            "rate": "rate"}),
        "breaches-by-severity": _rows(d["breaches"]["by_severity"]["rows"], {
            "severity": "label", "judged": "judged", "breached": "breached",
            "rate": "rate"}),
        "escalation-paths": _rows(d["routes"]["common"], {"path": "path",
                                                          "complaints": "count"}),
        "longest-routes": _rows(d["routes"]["longest"], {
            "ref": "ref", "severity": "severity", "steps": "levels", "path": "path",
            "triggers": "triggers"}),
        "survey-scores": _series(d["satisfaction"]["distribution"], "score"),
        "service-recovery": _rows(d["satisfaction"]["recovery"], {
            "complaints": "label", "surveys": "count", "mean_score": "mean"}),
        "repeat-contacts": _rows(d["repeat"]["months"], {
            "month": "month", "complaints": "complaints", "repeats": "repeats",
            "rate": "rate"}),
        "praise-by-channel": _rows(d["praise"]["by_channel"], {
            "channel": "channel", "praise": "praise", "complaints": "complaints",
            "praise_share": "share"}),
        "praise": (
            [*listed, "summary"],
            [[r[k] for k in listed.values()] + [_text(r, "summary")]
             for r in d["positive"]["rows"]],
        ),
        "severe": (
            [*listed, "summary", "resolution", "comment"],
            [[r[k] for k in listed.values()]
             + [_text(r, n) for n in ("summary", "resolution", "comment")]
             for r in d["severe"]["rows"]],
        ),
    }  # fmt: skip


def route(d: dict[str, Any]) -> dict[str, Table]:
    return {
        "events": (
            ["seq", "at", "actor", "kind", "status", "owner", "severity", "level",
             "details"],
            [[e["seq"], e["at"], e["actor"], e["kind"], e["state"]["status"],
              e["state"]["owner"], e["state"]["severity"], e["state"]["level"],
              [f"{x['name']}: {'(not shown)' if x['withheld'] else x['value']}"
               for x in e["details"]]]
             for e in d["events"]],
        ),
        "escalations": _rows(d["escalations"], {
            "seq": "seq", "at": "at", "by": "by", "from": "from", "to": "to",
            "level": "level", "trigger": "trigger", "deadline": "deadline",
            "reason": "reason", "age_seconds": "age"}),
        "deadlines": (
            ["deadline", "due", "met_at", "outcome"],
            [[x["name"], x["due"], x["met_at"], x["outcome"]]
             for x in (d["events"][-1]["deadlines"] if d["events"] else [])],
        ),
    }  # fmt: skip


def warnings(d: dict[str, Any]) -> dict[str, Table]:
    return {
        "projects": (
            ["project", "status", "complaints", "open", "reasons"],
            [[p["project"], p["status"], p["complaints"], p["open"],
              [r["text"] for r in p["reasons"]]] for p in d["projects"]],
        ),
        "signals": (
            ["project", "signal", "level", "value", "text"],
            [[p["project"], s["signal"], s["level"], s.get("value"), s["text"]]
             for p in d["projects"] for s in [*p["reasons"], *p["others"]]],
        ),
        "customers": (
            ["project", "complaints", "repeat_contacts", "repeat_rate",
             "last_3_months", "3_months_before", "trend", "praise", "praise_share"],
            [[p["project"], c["complaints"], c["repeats"], c["rate"],
              c["recent_rate"], c["earlier_rate"], c["trend"], c["praise"],
              c["praise_share"]]
             for p in d["projects"] for c in [p["customers"]]],
        ),
        "weekly-complaints": (
            ["project", *(f"week_{i + 1}" for i in range(
                len(d["projects"][0]["trend"]) if d["projects"] else 0))],
            [[p["project"], *p["trend"]] for p in d["projects"]],
        ),
        "rules": _rows(d["rules"], {"signal": "signal", "amber": "amber",
                                    "red": "red"}),
    }  # fmt: skip


def team(d: dict[str, Any]) -> dict[str, Table]:
    return {
        "members": (
            ["member", "role", "handled", "open", "settled", "severe",
             "median_ack_seconds", "median_respond_seconds",
             "median_resolve_seconds", "deadlines", "breaches", "breach_rate",
             "escalations_received", "received_by_sweep", "escalations_passed_on",
             "surveys", "satisfaction"],
            [[m["member"], m["role"], m["handled"], m["open"], m["settled"],
              m["severe"], m["median"]["ack"], m["median"]["respond"],
              m["median"]["resolve"], m["deadlines"], m["breaches"],
              m["breach_rate"], m["escalations_received"], m["received_by_sweep"],
              m["escalations_passed_on"], m["surveys"], m["satisfaction"]]
             for m in d["members"]],
        ),
    }  # fmt: skip


def access(d: dict[str, Any]) -> dict[str, Table]:
    member = {"member": "member", "role_now": "role", "reads": "read",
              "exports": "export", "refusals": "refused", "claimed": "claimed",
              "complaints": "complaints", "not_theirs": "not_owned",
              "refused_refs": "refused_refs",
              "last_refused": "last_refused"}  # fmt: skip
    return {
        "members": _rows(d["members"], member),
        "flagged": (
            ["flag", *member],
            [[flag, *(m.get(k) for k in member.values())]
             for flag in ("wide", "refused", "claimed")
             for m in d["anomalies"][flag]],
        ),
        "complaints": (
            ["ref", "project", "severity", "status", "owner", "erased", "may_read"],
            [[c["ref"], c["project"], c["severity"], c["status"], c["owner"],
              c["erased"],
              [("every " if g["is_role"] else "") + g["grantee"]
               + (" (revoked)" if g["revoked_at"] else "") for g in c["grants"]]]
             for c in d["complaints"]],
        ),
        "accesses": (
            ["ref", "at", "member", "identity", "role_then", "action", "purpose",
             "host_user"],
            [[c["ref"], e["at"], e["member"], e["proof"], e["role"], e["action"],
              e["purpose"], e["host_user"]]
             for c in d["complaints"] for e in c["events"]],
        ),
        "changes": _rows(d["trail"], {
            "at": "at", "change": "change", "member_or_role": "who",
            "is_role": "is_role", "ref": "ref", "role": "role", "by": "by"}),
    }  # fmt: skip


TABLES: dict[str, Callable[[dict[str, Any]], dict[str, Table]]] = {
    "lessons": lessons,
    "route": route,
    "warnings": warnings,
    "team": team,
    "access": access,
}


def tables(report: str, data: dict[str, Any]) -> dict[str, Table]:
    """The tables of report `report` showing `data`, by name, every cell
    ready for a CSV file."""
    return {
        name: (head, [[cell(value) for value in row] for row in rows])
        for name, (head, rows) in TABLES[report](data).items()
    }
