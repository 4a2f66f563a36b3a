"""The team and policy pages of `plaint serve`: the use cases of `plaint
team`, `plaint token` and `plaint policy set`, from a browser's forms."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.conftest import events
from tests.service.conftest import Server


def cli_json(server: Server, *args: str) -> Any:
    return json.loads(server.plaint.ok(*args, "--json"))


def test_an_admin_adds_a_member_changes_their_role_and_removes_them(
    server: Server,
) -> None:
    ann, csrf = server.session("ann")
    added = ann.post("/team/add", data={"csrf": csrf, "name": "zoe", "role": "agent"})
    assert added.status_code == 200
    assert "Added zoe as agent." in added.text
    assert {"name": "zoe", "role": "agent"} in cli_json(server, "team", "list")
    changed = ann.post("/team/role", data={"csrf": csrf, "name": "zoe", "role": "lead"})
    assert "zoe is now lead." in changed.text
    assert {"name": "zoe", "role": "lead"} in cli_json(server, "team", "list")
    removed = ann.post("/team/remove", data={"csrf": csrf, "name": "zoe"})
    assert "Removed zoe." in removed.text
    assert "zoe" not in {m["name"] for m in cli_json(server, "team", "list")}


def test_a_failing_form_keeps_what_was_typed_and_names_the_field(
    server: Server,
) -> None:
    ann, csrf = server.session("ann")
    before = events(server.plaint)
    failed = ann.post(
        "/team/invite", data={"csrf": csrf, "name": "bob", "expires": "soon"}
    )
    assert failed.status_code == 400
    assert "Expires: &#39;soon&#39; is not a duration" in failed.text
    assert 'value="soon" required aria-invalid="true"' in failed.text
    assert 'id="invite-name" name="name" type="text" value="bob"' in failed.text
    assert events(server.plaint) == before


def test_an_invitation_link_is_shown_once_and_sets_the_password(
    server: Server,
) -> None:
    ann, csrf = server.session("ann")
    made = ann.post("/team/invite", data={"csrf": csrf, "name": "bob"})
    assert made.status_code == 200
    [link] = re.findall(r'value="(/invite/[^"]+)"', made.text)
    assert link not in ann.get("/team").text
    accepted = server.client().post(link, data={"password": "a long new password"})
    assert "Your password is set." in accepted.text


def test_a_member_who_is_not_an_admin_sees_the_team_without_its_forms(
    server: Server,
) -> None:
    server.plaint.ok("token", "create", "--member", "lee", "--scope", "read")
    bob, _csrf = server.session("bob")
    team = bob.get("/team")
    assert team.status_code == 200
    assert "<tr><td>bob</td><td>agent</td></tr>" in team.text
    assert '<form method="post" action="/team' not in team.text
    assert "Your role (agent) may not change the team or its API tokens." in team.text
    policy = bob.get("/policy")
    assert policy.status_code == 200
    assert '<form method="post" action="/policy">' not in policy.text
    assert "Your role (agent) may not change the policy" in policy.text
    lee, _csrf = server.session("lee")
    assert '<form method="post" action="/policy">' in lee.get("/policy").text


def test_a_member_who_is_not_an_admin_is_refused_and_nothing_is_recorded(
    server: Server,
) -> None:
    bob, csrf = server.session("bob")
    before = events(server.plaint)
    added = bob.post("/team/add", data={"csrf": csrf, "name": "eve", "role": "admin"})
    assert added.status_code == 403
    assert "bob is agent and may not manage the team" in added.text
    made = bob.post(
        "/team/tokens", data={"csrf": csrf, "member": "bob", "scope": "act"}
    )
    assert made.status_code == 403
    rule = {"csrf": csrf, "channel": "*", "severity": "*", "ack": "1h"}
    refused = bob.post("/policy", data=rule)
    assert refused.status_code == 403
    assert "bob is agent and may not set the policy" in refused.text
    assert events(server.plaint) == before
    assert "eve" not in {m["name"] for m in cli_json(server, "team", "list")}


def test_a_form_without_the_sessions_csrf_token_is_refused(server: Server) -> None:
    ann, _ = server.session("ann")
    before = events(server.plaint)
    for csrf in ("", "forged"):
        data = {"csrf": csrf, "name": "eve", "role": "agent"}
        refused = ann.post("/team/add", data=data)
        assert refused.status_code == 403
        assert "CSRF token is missing or wrong" in refused.text
    missing = ann.post("/team/add", data={"name": "eve", "role": "agent"})
    assert missing.status_code == 403
    assert events(server.plaint) == before


def test_a_token_made_on_the_page_works_as_a_bearer_token_until_revoked(
    server: Server,
) -> None:
    ann, csrf = server.session("ann")
    made = ann.post(
        "/team/tokens", data={"csrf": csrf, "member": "lee", "scope": "read"}
    )
    assert made.status_code == 200
    [token] = re.findall(r'value="(plaint_[^"]+)"', made.text)
    [listed] = cli_json(server, "token", "list")
    assert (listed["member"], listed["scope"]) == ("lee", "read")
    assert token not in ann.get("/team").text
    assert server.client(token).get("/api/v1/complaints").status_code == 200
    revoked = ann.post("/team/tokens/revoke", data={"csrf": csrf, "id": listed["id"]})
    assert f"Revoked token {listed['id']} of lee." in revoked.text
    assert server.client(token).get("/api/v1/complaints").status_code == 401


def test_an_admin_sets_a_policy_rule_and_everyone_sees_the_table(
    server: Server,
) -> None:
    ann, csrf = server.session("ann")
    rule = {"csrf": csrf, "channel": "email", "severity": "severe",
            "owner": "lee", "ack": "2h", "resolve": "1w"}  # fmt: skip
    done = ann.post("/policy", data=rule)
    assert done.status_code == 200
    assert "Policy email/severe: owner lee, ack 2h, resolve 1w" in done.text
    [shown] = cli_json(server, "policy", "show")
    assert shown == {"channel": "email", "severity": "severe", "owner": "lee",
                     "ack": 7200, "resolve": 604800}  # fmt: skip
    bob, _ = server.session("bob")
    table = bob.get("/policy")
    assert table.status_code == 200
    assert "<td>email</td><td>severe</td><td>lee</td>" in table.text


def test_a_policy_rule_for_an_unknown_channel_names_the_field(server: Server) -> None:
    ann, csrf = server.session("ann")
    rule = {"csrf": csrf, "channel": "fax", "severity": "*", "ack": "2h"}
    failed = ann.post("/policy", data=rule)
    assert failed.status_code == 400
    assert "Channel: &#39;fax&#39; is not one of" in failed.text
    assert 'name="ack" type="text" value="2h"' in failed.text
    assert cli_json(server, "policy", "show") == []


def test_an_admin_sets_a_ladder_and_a_calendar_on_the_policy_page(
    server: Server,
) -> None:
    server.plaint.ok(
        "calendar", "set", "office", "--tz", "Europe/Berlin",
        "--hours", "mon-fri 09:00-17:30",
    )  # fmt: skip
    ann, csrf = server.session("ann")
    rule = {"csrf": csrf, "channel": "phone", "severity": "*",
            "route": "lee, role:admin", "calendar": "office", "ack": "8h"}  # fmt: skip
    done = ann.post("/policy", data=rule)
    assert done.status_code == 200
    said = "Policy phone/*: ladder lee → role:admin, calendar office, ack 8h"
    assert said in done.text
    [shown] = cli_json(server, "policy", "show")
    assert shown["route"] == ["lee", "role:admin"]
    assert shown["calendar"] == "office"
    assert "<td>lee → role:admin</td><td>office</td>" in done.text


def test_a_bad_ladder_or_calendar_on_the_policy_page_names_its_field(
    server: Server,
) -> None:
    ann, csrf = server.session("ann")
    before = events(server.plaint)
    rule = {"csrf": csrf, "channel": "*", "severity": "*",
            "route": "lee,nobody", "calendar": "office", "ack": "8h"}  # fmt: skip
    failed = ann.post("/policy", data=rule)
    assert failed.status_code == 400
    assert "Route: nobody is not a member of the team" in failed.text
    assert 'name="route" type="text" value="lee,nobody" aria-invalid="true"' in (
        failed.text
    )
    assert 'name="calendar" type="text" value="office">' in failed.text
    failed = ann.post("/policy", data={**rule, "route": "lee"})
    assert failed.status_code == 409
    assert "Calendar: there is no calendar office: define it first" in failed.text
    assert 'name="calendar" type="text" value="office" aria-invalid="true"' in (
        failed.text
    )
    assert 'name="route" type="text" value="lee">' in failed.text
    both = ann.post("/policy", data={**rule, "route": "lee", "escalate_to": "lee"})
    assert "Route: give --route or --escalate-to, not both" in both.text
    assert events(server.plaint) == before
