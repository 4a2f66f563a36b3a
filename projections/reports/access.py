"""The access report, for compliance: who may read each confidential complaint,
every read, export and refusal of it (each with whether the service verified
the reader's identity or it was claimed with `--as`), who changed who may
read, and the members whose reading stands out.

It reads the views and the team's history only: refs and metadata, never a
complaint's text, so generating it reads no confidential content and records
no access of its own (the run itself is recorded, like every report's).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ledger.domain.grantees import meaning
from ledger.domain.identity import CLAIMED
from ledger.domain.reference import PREFIX
from ledger.domain.timeutil import iso, parse_time, stamp
from ledger.domain.vocabulary import ReadAction
from ledger.errors import InvalidInput, UnknownReference
from projections.reports.common import ticks, week_start, weeks_between
from projections.reports.trail import role_at, team_history, trail
from projections.store import ViewSQL
from projections.views import ACCESS, COMPLAINTS, GRANTS, MEMBERS

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger

ACTIONS = ("read", "export", "refused")
WIDE_READING = 3  # distinct confidential complaints owned by others, read or exported


def access(
    ledger: ComplaintLedger,
    store: ViewSQL,
    now: datetime,
    since: datetime | None = None,
    ref: str | None = None,
) -> dict[str, Any]:
    """Every confidential complaint (or the one named) with who may read it and
    each access since `since`; counts per member, anomalies and the trail."""
    ledger.authorise_read(ReadAction.ACCESS_REPORT)
    if since is not None and since > now:
        raise InvalidInput(f"--since {iso(since)} is in the future")
    complaints = _complaints(ledger, store, ref)
    history = team_history(ledger)
    rows = _accesses(store, since, complaints[0]["id"] if ref else None)
    for row in rows:
        row["role"] = role_at(history, row["member"], parse_time(row["at"]))
    owners = {c["ref"]: c["owner"] for c in complaints}
    roles = {r["name"]: r["role"] for r in store.query(
        f"SELECT name, role FROM {store.table_name(MEMBERS)}"  # noqa: S608
    )}  # fmt: skip
    grants = _grants(store, complaints, roles)
    members = _members(rows, owners, roles)
    wide = [m for m in members if len(m["not_owned"]) >= WIDE_READING]
    refused = [m for m in members if m["refused"]]
    claimed = [m for m in members if m["claimed"]]
    return {
        "period": {"since": iso(since), "until": iso(now)},
        "complaint": complaints[0]["ref"] if ref else None,
        "threshold": WIDE_READING,
        "counts": {
            "complaints": len(complaints),
            **{action: sum(r["action"] == action for r in rows) for action in ACTIONS},
            "members": len(members),
            "flagged": len({m["member"] for m in (*wide, *refused)}),
            "verified": sum(r["verified"] for r in rows),
            "claimed": sum(not r["verified"] for r in rows),
        },
        "anomalies": {
            "wide": sorted(wide, key=lambda m: (-len(m["not_owned"]), m["member"])),
            "refused": sorted(refused, key=lambda m: (-m["refused"], m["member"])),
            "claimed": sorted(claimed, key=lambda m: (-m["claimed"], m["member"])),
        },
        "members": members,
        "member_chart": _member_chart(members),
        "member_max": ticks(m["total"] for m in members)[-1],
        "weekly": _weekly(rows, now),
        "complaints": [
            {**_public(c), **_complaint_access(c, grants[c["ref"]], rows)}
            for c in complaints
        ],
        "trail": trail(grants, history, since),
    }


def _complaints(
    ledger: ComplaintLedger, store: ViewSQL, ref: str | None
) -> list[dict[str, Any]]:
    """The confidential complaints, in filing order, or the one named."""
    p = store.param
    where, params = "c.confidential = 1", []
    if ref is not None:
        where, params = f"c.id = {p}", [ledger.complaint_id(ref).hex]
    found = store.query(
        "SELECT c.id, c.ref, c.project, c.severity, c.status, c.owner, "  # noqa: S608
        f"c.confidential, c.erased FROM {store.table_name(COMPLAINTS)} c "
        f"WHERE {where} ORDER BY c.number",
        params,
    )
    if ref is not None and not found:
        raise UnknownReference(f"no complaint {ref.upper()} in this ledger")
    if ref is not None and not found[0]["confidential"]:
        raise InvalidInput(
            f"{found[0]['ref']} is not confidential: everyone in the team may read "
            "it, so its reads are not recorded"
        )
    return found


def _public(complaint: dict[str, Any]) -> dict[str, Any]:
    names = ("ref", "project", "severity", "status", "owner")
    return {**{k: complaint[k] for k in names}, "erased": bool(complaint["erased"])}


def _accesses(
    store: ViewSQL, since: datetime | None, complaint_id: str | None
) -> list[dict[str, Any]]:
    """Every read, export and refusal since `since`, oldest first."""
    p, where, params = store.param, [], []
    if since is not None:
        where.append(f"at >= {p}")
        params.append(stamp(since))
    if complaint_id is not None:
        where.append(f"complaint_id = {p}")
        params.append(complaint_id)
    rows = store.query(
        "SELECT ref, at, member, action, purpose, host_user, proof "  # noqa: S608
        f"FROM {store.table_name(ACCESS)} "
        + (f"WHERE {' AND '.join(where)} " if where else "")
        + "ORDER BY at, id",
        params,
    )
    # Verified: the service checked who it was (password, single sign-on,
    # token); claimed: a name given with --as on the command line.
    return [
        {**row, "at": iso(parse_time(row["at"])), "verified": row["proof"] != CLAIMED}
        for row in rows
    ]


def _grants(
    store: ViewSQL, complaints: list[dict[str, Any]], roles: dict[str, str]
) -> dict[str, list[dict[str, Any]]]:
    """Each complaint's grants, current ones first, with the members a role
    grant reaches today."""
    found: dict[str, list[dict[str, Any]]] = {c["ref"]: [] for c in complaints}
    rows = store.query(
        "SELECT c.ref, g.grantee, g.granted_at, g.granted_by, g.revoked_at, "  # noqa: S608
        f"g.revoked_by FROM {store.table_name(GRANTS)} g "
        f"JOIN {store.table_name(COMPLAINTS)} c ON c.id = g.complaint_id "
        "ORDER BY c.number, g.revoked_at IS NOT NULL, g.granted_at, g.grantee"
    )
    for row in rows:
        if row["ref"] not in found:
            continue
        # One meaning per entry, the one reading is decided by: a bare role
        # name is the role even when a member (from before such names were
        # refused) bears it; that member's entry reads `member:NAME`.
        kind, name = meaning(row["grantee"])
        is_role = kind == "role"
        found[row.pop("ref")].append({
            **row, "granted_at": _time(row["granted_at"]),
            "revoked_at": _time(row["revoked_at"]), "is_role": is_role,
            "members": sorted(m for m, r in roles.items() if r == name)
            if is_role else [],
        })  # fmt: skip
    return found


def _time(text: str | None) -> str | None:
    return None if text is None else iso(parse_time(text))


def _by_number(refs: Iterable[str]) -> list[str]:
    return sorted(refs, key=lambda ref: int(ref.removeprefix(PREFIX)))


def _members(
    rows: list[dict[str, Any]], owners: dict[str, str], roles: dict[str, str]
) -> list[dict[str, Any]]:
    """What each member did in the period: counts by action, the complaints
    they read that someone else owns, and those they were refused."""
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        member = row["member"]
        seen = found.setdefault(member, {
            "member": member, "role": roles.get(member), "total": 0,
            **dict.fromkeys(ACTIONS, 0), "claimed": 0,
            "complaints": set(), "not_owned": set(),
            "refused_refs": set(), "last_refused": None,
        })  # fmt: skip
        seen[row["action"]] += 1
        seen["total"] += 1
        seen["claimed"] += not row["verified"]
        seen["complaints"].add(row["ref"])
        if row["action"] == "refused":
            seen["refused_refs"].add(row["ref"])
            seen["last_refused"] = row["at"]
        elif owners.get(row["ref"]) != member:
            seen["not_owned"].add(row["ref"])
    for seen in found.values():
        for name in ("complaints", "not_owned", "refused_refs"):
            seen[name] = _by_number(seen[name])
    return sorted(found.values(), key=lambda m: (-m["total"], m["member"]))


def _member_chart(members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"label": m["member"], "value": m["total"],
         "parts": [{"name": action, "value": m[action]} for action in ACTIONS]}
        for m in members
    ]  # fmt: skip


def _weekly(rows: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """Reads, exports and refusals in each week from the first access to now,
    stacked (not from `since`, which may be years before anything happened)."""
    if not rows:
        return {"labels": [], "series": [], "max": 1, "ticks": [0, 1], "label_every": 1}
    times = [parse_time(r["at"]) for r in rows]
    weeks = weeks_between(times[0], now)
    index = {week: i for i, week in enumerate(weeks)}
    counts = {action: [0] * len(weeks) for action in ACTIONS}
    for row, moment in zip(rows, times, strict=True):
        counts[row["action"]][index[week_start(moment)]] += 1
    marks = ticks(sum(c[i] for c in counts.values()) for i in range(len(weeks)))
    return {
        "labels": [week.strftime("%d %b") for week in weeks],
        "series": [{"name": action, "values": counts[action]} for action in ACTIONS],
        "max": marks[-1],
        "ticks": marks,
        "label_every": -(-len(weeks) // 8),  # at most 8 labels fit a half-width chart
    }


def _complaint_access(
    complaint: dict[str, Any], grants: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> dict[str, Any]:
    """One complaint's readers, accesses in the period, and counts per member."""
    events = [r for r in rows if r["ref"] == complaint["ref"]]
    counts: dict[str, dict[str, Any]] = {}
    for row in events:
        member = counts.setdefault(
            row["member"], {"member": row["member"], **dict.fromkeys(ACTIONS, 0)}
        )
        member[row["action"]] += 1
    return {
        "grants": grants,
        "events": [{k: v for k, v in r.items() if k != "ref"} for r in events],
        "by_member": sorted(counts.values(), key=lambda m: m["member"]),
    }
