"""The team and policy pages: `/team` (members and roles, password
invitations, API tokens; admin) and `/policy` (the rules; set by whom the
ledger lets). Each form calls the use case its `plaint team|token|policy`
command calls and answers the page again, saying what was recorded or, for a
form that failed, keeping what was typed and naming the field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ledger.domain.accounts import Scope
from ledger.domain.timeutil import format_duration, parse_duration
from ledger.domain.vocabulary import (
    DEADLINE_NAMES,
    WILDCARD,
    Channel,
    Role,
    Severity,
)
from ledger.errors import InvalidInput, LedgerError
from service.errors import status_of
from service.served import served
from service.visitor import Visitor, staff_member, staff_page

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]
INVITE_FOR = "3d"  # as `plaint team password --invite`
CHANNELS = (WILDCARD, *(c.value for c in Channel))
SEVERITIES = (WILDCARD, *(s.value for s in Severity))


class FieldError(Exception):
    """A form field the use case cannot take, and the sentence saying why."""

    def __init__(self, field: str, error: LedgerError) -> None:
        super().__init__(str(error))
        self.field, self.error = field, error


def chosen(field: str, value: str, choices: tuple[str, ...]) -> str:
    """`value` if it is one of `choices`, as the CLI's choices check it."""
    if value not in choices:
        names = ", ".join(choices)
        raise FieldError(field, InvalidInput(f"'{value}' is not one of {names}"))
    return value


def seconds(field: str, text: str) -> int | None:
    """A duration typed in `field`, or None when it is empty."""
    if not text.strip():
        return None
    try:
        return parse_duration(text)
    except LedgerError as error:
        raise FieldError(field, error) from None


def team_view(ledger: ComplaintLedger) -> dict[str, Any]:
    """What the team page lists: the members; and for an admin, the tokens."""
    admin = ledger.whoami()["admin"]
    return {"members": ledger.members(), "tokens": ledger.tokens() if admin else []}


def policy_view(ledger: ComplaintLedger) -> dict[str, Any]:
    """The policy's rules, their durations in words."""
    rules = [
        {"channel": rule["channel"], "severity": rule["severity"],
         "owner": rule.get("owner") or "",
         # The ladder, lowest rung first (one rung for --escalate-to).
         "escalate_to": " → ".join(rule.get("route") or [])
                        or rule.get("escalate_to") or "",
         "calendar": rule.get("calendar") or "around the clock",
         **{name: format_duration(rule[name]) if rule.get(name) else ""
            for name in DEADLINE_NAMES}}
        for rule in ledger.policy_rules()
    ]  # fmt: skip
    return {"rules": rules}


PAGES: dict[str, tuple[str, Callable[[ComplaintLedger], dict[str, Any]]]] = {
    "team": ("team.html", team_view),
    "policy": ("policy.html", policy_view),
}
CHOICES = {"roles": [r.value for r in Role], "scopes": [s.value for s in Scope],
           "channels": CHANNELS, "severities": SEVERITIES}  # fmt: skip


def answer(
    request: Request, who: Visitor, which: str, status: int = 200, **values: Any
) -> Response:
    """Page `which` as the member sees it now, with `values` (feedback, a
    one-time secret, or a failed form's typing and the field to blame)."""
    template, view = PAGES[which]
    shown: dict[str, Any] = {"members": [], "tokens": [], "rules": []}
    try:
        shown.update(served(request).run(who.identity, view))
    except LedgerError as error:
        status = max(status, status_of(error))
        values.setdefault("message", str(error))
    base: dict[str, Any] = {
        "done": None, "secret": None, "message": None, "form": None,
        "blamed": None, "typed": {},
    }  # fmt: skip
    return staff_page(who, template, which, status,
                      **{**base, **CHOICES, **shown, **values})  # fmt: skip


def act(
    request: Request,
    which: str,
    form: str,
    csrf: str,
    typed: dict[str, str],
    case: Callable[[ComplaintLedger], tuple[str, dict[str, str] | None]],
) -> Response:
    """Run one form's use case as the member (after its CSRF token): the page
    with what was done, or with the form as typed and the field to blame."""
    who = staff_member(request)
    if isinstance(who, Response):
        return who
    failed = {"form": form, "typed": typed}
    try:
        who.check(csrf)
        done, secret = served(request).run(who.identity, case)
    except FieldError as error:
        sentence = str(error.error)
        return answer(request, who, which, status_of(error.error),
                      message=sentence, blamed=error.field, **failed)  # fmt: skip
    except LedgerError as error:
        # The field the ledger names, if the form has it; else the first.
        blamed = error.field if error.field in typed else next(iter(typed), None)
        return answer(request, who, which, status_of(error), message=str(error),
                      blamed=blamed, **failed)  # fmt: skip
    return answer(request, who, which, done=done, secret=secret)


def shown(request: Request, which: str) -> Response:
    """Page `which` for whoever the session signs in."""
    who = staff_member(request)
    if isinstance(who, Response):
        return who
    return answer(request, who, which)


@router.get("/team")
def team(request: Request) -> Response:
    """The members, their roles and the API tokens, with forms to change them."""
    return shown(request, "team")


@router.post("/team/add")
def add(request: Request, name: Text, role: Text, csrf: Optional = "") -> Response:
    """`plaint team add NAME --role ROLE`."""

    def case(ledger: ComplaintLedger) -> tuple[str, None]:
        found = Role(chosen("role", role, tuple(CHOICES["roles"])))
        ledger.add_member(name, found)
        return f"Added {name.strip()} as {found}.", None

    return act(request, "team", "add", csrf, {"name": name, "role": role}, case)


@router.post("/team/role")
def change_role(
    request: Request, name: Text, role: Text, csrf: Optional = ""
) -> Response:
    """`plaint team role NAME ROLE`."""

    def case(ledger: ComplaintLedger) -> tuple[str, None]:
        found = Role(chosen("role", role, tuple(CHOICES["roles"])))
        ledger.change_role(name, found)
        return f"{name} is now {found}.", None

    return act(request, "team", "role", csrf, {"name": name, "role": role}, case)


@router.post("/team/remove")
def remove(request: Request, name: Text, csrf: Optional = "") -> Response:
    """`plaint team remove NAME`."""

    def case(ledger: ComplaintLedger) -> tuple[str, None]:
        ledger.remove_member(name)
        return f"Removed {name}.", None

    return act(request, "team", "remove", csrf, {"name": name}, case)


@router.post("/team/invite")
def invite(
    request: Request,
    name: Text,
    expires: Optional = INVITE_FOR,
    csrf: Optional = "",
) -> Response:
    """`plaint team password NAME --invite --expires DURATION`: the link, once."""
    public = served(request).public_url or ""

    def case(ledger: ComplaintLedger) -> tuple[str, dict[str, str]]:
        valid = seconds("expires", expires or INVITE_FOR)
        assert valid is not None
        made = ledger.invite(name, timedelta(seconds=valid))
        link = public.rstrip("/") + f"/invite/{made['invite']}"
        done = f"Invitation for {name}, once, until {made['expires']}:"
        return done, {"label": "Invitation link", "text": link}

    typed = {"name": name, "expires": expires}
    return act(request, "team", "invite", csrf, typed, case)


@router.post("/team/tokens")
def create_token(
    request: Request,
    member: Text,
    scope: Text,
    expires: Optional = "",
    csrf: Optional = "",
) -> Response:
    """`plaint token create --member NAME --scope SCOPE [--expires DURATION]`."""
    here = served(request)

    def case(ledger: ComplaintLedger) -> tuple[str, dict[str, str]]:
        valid = seconds("expires", expires)
        until = None if valid is None else here.now() + timedelta(seconds=valid)
        made = ledger.create_token(member, scope, until)
        done = (f"Token {made['id']} for {member} ({made['scope']}), until "
                f"{made['expires'] or 'revoked'}; it is shown this once:")  # fmt: skip
        return done, {"label": "API token", "text": made["token"]}

    typed = {"member": member, "scope": scope, "expires": expires}
    return act(request, "team", "token", csrf, typed, case)


@router.post("/team/tokens/revoke")
def revoke_token(request: Request, id: Text, csrf: Optional = "") -> Response:
    """`plaint token revoke ID`."""

    def case(ledger: ComplaintLedger) -> tuple[str, None]:
        done = ledger.revoke_token(id)
        return f"Revoked token {done['id']} of {done['member']}.", None

    return act(request, "team", "revoke", csrf, {"id": id}, case)


@router.get("/policy")
def policy(request: Request) -> Response:
    """The policy's rules, with a form to set one."""
    return shown(request, "policy")


@router.post("/policy")
def set_rule(
    request: Request,
    channel: Text,
    severity: Text,
    owner: Optional = "",
    escalate_to: Optional = "",
    route: Optional = "",
    calendar: Optional = "",
    ack: Optional = "",
    respond: Optional = "",
    resolve: Optional = "",
    csrf: Optional = "",
) -> Response:
    """`plaint policy set --channel … --severity … [--owner …] [--route …]
    [--calendar …] [--ack …] …`."""
    typed = {"channel": channel, "severity": severity, "owner": owner,
             "escalate_to": escalate_to, "route": route, "calendar": calendar,
             "ack": ack, "respond": respond, "resolve": resolve}  # fmt: skip

    def case(ledger: ComplaintLedger) -> tuple[str, None]:
        chosen("channel", channel, CHANNELS)
        chosen("severity", severity, SEVERITIES)
        given: dict[str, Any] = {
            name: typed[name].strip()
            for name in ("owner", "escalate_to", "route", "calendar")
        }
        given.update({name: seconds(name, typed[name]) for name in DEADLINE_NAMES})
        changes = {k: v for k, v in given.items() if v}
        rule = ledger.set_policy(channel, severity, changes)
        return f"Policy {channel}/{severity}: {describe(rule)}", None

    return act(request, "policy", "policy", csrf, typed, case)


def describe(rule: dict[str, Any]) -> str:
    """A rule in words, as `plaint policy set` prints it."""
    parts = [f"owner {rule['owner']}"] if rule.get("owner") else []
    if rule.get("escalate_to"):
        parts.append(f"escalate to {rule['escalate_to']}")
    if rule.get("route"):
        parts.append(f"ladder {' → '.join(rule['route'])}")
    if rule.get("calendar"):
        parts.append(f"calendar {rule['calendar']}")
    parts += [f"{name} {format_duration(rule[name])}" for name in DEADLINE_NAMES
              if rule.get(name) is not None]  # fmt: skip
    return ", ".join(parts) or "nothing set"
