"""The staff pages on a real `plaint serve`: the queue, the list, a
complaint and its action forms, as a signed-in member's browser sees them
(forms posted with the session's CSRF token, no script)."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from markupsafe import escape

from tests.conftest import FILE, events
from tests.service.conftest import Server

LONG_AGO = "2020-01-06T09:00:00Z"


def file(server: Server, summary: str, *extra: str) -> str:
    """File a complaint as lead lee; its reference."""
    out = server.plaint.ok(*FILE, "--summary", summary, *extra, "--json", actor="lee")
    return str(json.loads(out)["ref"])


def deadlines(server: Server) -> None:
    """A policy giving every complaint an ack and a resolve deadline."""
    server.plaint.ok(
        "policy", "set", "--channel", "*", "--severity", "*",
        "--ack", "1d", "--resolve", "2w",
    )  # fmt: skip


def history(server: Server, ref: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(
        server.plaint.ok("history", ref, "--json", actor="ann")
    )
    return rows


def kinds(server: Server, ref: str) -> list[str]:
    return [row["kind"] for row in history(server, ref)]


def refs(html: str) -> list[str]:
    """The complaint references linked from a page, in order."""
    return re.findall(r'<a href="/complaints/(C-\d+)">', html)


def forms(html: str, ref: str) -> list[str]:
    """The actions whose forms a complaint page offers."""
    return re.findall(rf'action="/complaints/{ref}/(\w+)"', html)


def act(
    client: httpx.Client, csrf: str, ref: str, action: str, **fields: str
) -> httpx.Response:
    return client.post(f"/complaints/{ref}/{action}", data={"csrf": csrf, **fields})


def test_the_queue_shows_the_complaints_i_own_overdue_first(server: Server) -> None:
    deadlines(server)
    fresh = file(server, "fresh")
    late = file(server, "late", "--received-at", LONG_AGO)
    someone_elses = file(server, "not mine")
    waiting = file(server, "waiting on the customer")
    for ref in (fresh, late, waiting):
        server.plaint.ok("assign", ref, "bob", actor="lee")
    server.plaint.ok("ack", waiting, actor="bob")
    server.plaint.ok("wait", waiting, "--reason", "asked for the order", actor="bob")
    bob, _csrf = server.session("bob")
    queue = bob.get("/")
    assert queue.status_code == 200
    running, _, apart = queue.text.partition('<h2 id="waiting">')
    assert refs(running) == [late, fresh]
    assert refs(apart) == [waiting]
    assert "Waiting on the customer (1)</h2>" in apart
    assert re.search(
        r"<td>\d{4}-\d\d-\d\dT[\d:.]+Z <span class=\"muted\">\(for ", apart
    )
    assert " late" not in apart
    assert " left" not in apart
    assert "waiting</a>: 1" in running
    assert someone_elses not in refs(queue.text)
    assert re.search(r"ack [\dd hm]+ late", queue.text)
    assert "received</a>: 2" in queue.text
    assert 'href="/complaints"' in queue.text
    assert '<a href="/" aria-current="page">My queue</a>' in queue.text
    assert 'href="/access"' not in queue.text


def test_the_queue_of_someone_not_signed_in_is_the_sign_in_page(
    server: Server,
) -> None:
    answer = server.client().get("/", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/login")


def test_the_list_filters_and_pages(server: Server) -> None:
    for n in range(53):
        file(server, f"complaint {n}")
    server.plaint.ok("ack", "C-2", actor="lee")
    bob, _csrf = server.session("bob")
    first = bob.get("/complaints")
    assert refs(first.text) == [f"C-{n}" for n in range(1, 51)]
    assert "53 complaints; shown: C-1 to C-50." in first.text
    assert 'href="/complaints?after=50" rel="next"' in first.text
    assert 'rel="prev"' not in first.text
    second = bob.get("/complaints", params={"after": "50"})
    assert refs(second.text) == ["C-51", "C-52", "C-53"]
    assert 'href="/complaints?before=51" rel="prev"' in second.text
    assert 'rel="next"' not in second.text
    back = bob.get("/complaints", params={"before": "51"})
    assert refs(back.text) == [f"C-{n}" for n in range(1, 51)]
    bad = bob.get("/complaints", params={"after": "x"})
    assert bad.status_code == 400
    assert "&#39;x&#39; is not a complaint number for &#39;after&#39;" in bad.text
    acked = bob.get("/complaints", params={"status": "acknowledged"})
    assert refs(acked.text) == ["C-2"]
    refused = bob.get("/complaints", params={"severity": "awful"})
    assert refused.status_code == 400
    assert "&#39;awful&#39; is not a severity" in refused.text
    jump = bob.get("/complaints", params={"ref": "c-7"}, follow_redirects=False)
    assert jump.headers["location"] == "/complaints/C-7"


def test_the_list_shows_only_overdue_complaints_when_asked(server: Server) -> None:
    deadlines(server)
    file(server, "fresh")
    late = file(server, "late", "--received-at", LONG_AGO)
    bob, _csrf = server.session("bob")
    overdue = bob.get("/complaints", params={"overdue": "1"})
    assert refs(overdue.text) == [late]


def test_a_complaint_page_offers_an_agent_and_a_lead_what_their_roles_allow(
    server: Server,
) -> None:
    ref = file(server, "Invoice portal times out")
    bob, _ = server.session("bob")
    lee, _ = server.session("lee")
    page = bob.get(f"/complaints/{ref}")
    assert page.status_code == 200
    assert "Invoice portal times out" in page.text
    assert forms(page.text, ref) == ["ack", "note", "withdraw"]
    assert forms(lee.get(f"/complaints/{ref}").text, ref) == [
        "ack", "triage", "assign", "escalate", "note", "withdraw", "confidential",
    ]  # fmt: skip
    aud, _ = server.session("aud")
    assert forms(aud.get(f"/complaints/{ref}").text, ref) == []


def test_ack_escalate_and_resolve_through_the_forms_are_recorded_and_said(
    server: Server,
) -> None:
    ref = file(server, "s")
    lee, csrf = server.session("lee")
    acked = act(lee, csrf, ref, "ack")
    assert (acked.status_code, acked.headers["location"]) == (
        303,
        f"/complaints/{ref}?done=ack",
    )
    shown = lee.get(acked.headers["location"])
    assert f"{ref} acknowledged: it is now acknowledged" in shown.text
    escalated = act(lee, csrf, ref, "escalate", to="ann", reason="angry customer")
    assert escalated.status_code == 303
    shown = lee.get(escalated.headers["location"])
    assert f"{ref} escalated: it is now in progress, owned by ann." in shown.text
    assert "angry customer" in shown.text
    assert 'aria-label="Timeline of the complaint' in shown.text
    assert (
        '<h3 id="step-3">Level 1: <span class="path">lee<span class="arrow">→</span>'
        'ann</span> <span class="badge tone-accent">by hand</span></h3>'
    ) in shown.text
    resolved = act(lee, csrf, ref, "resolve", resolution="refunded")
    assert "resolved: it is now resolved" in lee.get(resolved.headers["location"]).text
    assert kinds(server, ref) == ["filed", "acknowledged", "escalated", "resolved"]
    [escalation] = [row for row in history(server, ref) if row["kind"] == "escalated"]
    assert escalation["actor"] == "lee"
    assert escalation["proof"] == "password"


def test_a_refused_action_says_why_keeps_what_was_typed_and_records_nothing(
    server: Server,
) -> None:
    ref = file(server, "s")
    lee, csrf = server.session("lee")
    before = events(server.plaint)
    refused = act(lee, csrf, ref, "resolve", resolution="typed text")
    cli = server.plaint("resolve", ref, "--resolution", "x", actor="lee")
    sentence = cli.stderr.strip().removeprefix("Error: ")
    assert refused.status_code == 409
    assert escape(sentence) in refused.text
    owned = act(lee, csrf, ref, "assign", member="lee")
    assert owned.status_code == 409
    assert f'id="assign-error">{ref} is already owned by lee</p>' in owned.text
    assert re.search(r'id="assign-member" name="member" required aria-invalid="true"'
                     r'[^>]*>\s*<option value="">Choose a member</option>\s*'
                     r"<option>ann</option><option>aud</option><option>bob</option>"
                     r"<option selected>lee</option>", owned.text)  # fmt: skip
    missing = act(lee, csrf, ref, "escalate", to="ann", reason="")
    assert missing.status_code == 400
    assert "Missing field &#39;reason&#39;." in missing.text
    assert "<option selected>ann</option>" in missing.text
    assert ">angry customer<" not in missing.text
    assert events(server.plaint) == before


def test_a_member_picker_offers_the_team_and_the_use_case_still_checks_the_name(
    server: Server,
) -> None:
    ref = file(server, "s")
    server.plaint.ok("team", "add", "mia", "--role", "manager")
    lee, csrf = server.session("lee")
    page = lee.get(f"/complaints/{ref}").text
    picker = r'<select id="(assign-member|escalate-to)"[^>]*>(.*?)</select>'
    pickers = re.findall(picker, page, re.S)
    for _id, options in pickers:
        assert re.findall(r"<option>(\w+)</option>", options) == [
            "ann", "aud", "bob", "lee", "mia"
        ]  # fmt: skip
    assert [name for name, _ in pickers] == ["assign-member", "escalate-to"]
    before = events(server.plaint)
    stranger = act(lee, csrf, ref, "assign", member="eve")
    assert stranger.status_code == 400
    assert (
        'id="assign-error">eve is not a member of this ledger&#39;s team; an admin '
        "can add them with `plaint team add eve --role agent`</p>"
    ) in stranger.text
    assert events(server.plaint) == before


def test_a_confidential_complaint_shows_an_agent_its_metadata_and_records_it(
    server: Server,
) -> None:
    ref = file(server, "secret summary", "--confidential", "--allow", "ann")
    bob, _csrf = server.session("bob")
    page = bob.get(f"/complaints/{ref}")
    assert page.status_code == 403
    assert "secret summary" not in page.text
    assert f"{ref} is confidential and bob may not read it" in page.text
    assert "(this attempt was recorded)" in page.text
    assert "Project</dt><dd>P</dd>" in page.text
    assert forms(page.text, ref) == []
    access = json.loads(server.plaint.ok("report", "access", "--json", actor="ann"))
    assert access["counts"]["refused"] == 1
    [refused] = access["anomalies"]["refused"]
    assert refused["member"] == "bob"
    ann, _csrf = server.session("ann")
    assert "secret summary" in ann.get(f"/complaints/{ref}").text
    access = json.loads(server.plaint.ok("report", "access", "--json", actor="ann"))
    assert (access["counts"]["read"], access["counts"]["refused"]) == (1, 1)


def test_an_action_without_the_csrf_token_is_refused_and_records_nothing(
    server: Server,
) -> None:
    ref = file(server, "s")
    lee, _csrf = server.session("lee")
    before = events(server.plaint)
    refused = lee.post(f"/complaints/{ref}/ack", data={})
    assert refused.status_code == 403
    assert "CSRF token is missing or wrong" in refused.text
    wrong = lee.post(f"/complaints/{ref}/ack", data={"csrf": "forged"})
    assert wrong.status_code == 403
    assert events(server.plaint) == before
