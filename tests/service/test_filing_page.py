"""Filing a complaint through `/complaints/new`: the use case and checks of
`POST /api/v1/complaints`, a failed form kept as typed with its field
named, and the complaint's page saying what was recorded."""

from __future__ import annotations

import json
import re

from tests.conftest import events
from tests.service.conftest import Server

FORM = {
    "project": "Apollo", "channel": "email", "severity": "severe",
    "summary": "Invoice charged twice", "detail": "Two debits on 3 March.",
    "customer": "Dana", "contact": "dana@example.com", "source": "",
    "received_at": "", "external_id": "",
}  # fmt: skip


def invalid(html: str) -> list[str]:
    """The fields a page marks invalid, each described by the form's error."""
    return re.findall(
        r'name="(\w+)"[^>]*aria-invalid="true" aria-describedby="file-error"', html
    )


def test_a_complaint_filed_on_the_page_is_recorded_and_its_page_says_so(
    server: Server,
) -> None:
    server.plaint.ok("policy", "set", "--channel", "*", "--severity", "*",
                     "--owner", "lee", "--ack", "1d")  # fmt: skip
    bob, csrf = server.session("bob")
    form = bob.get("/complaints/new")
    assert form.status_code == 200
    assert '<a href="/complaints/new" aria-current="page">' in form.text
    assert 'name="confidential"' not in form.text  # an agent may not
    filed = bob.post("/complaints/new", data={"csrf": csrf, **FORM})
    assert (filed.status_code, filed.headers["location"]) == (
        303, "/complaints/C-1?done=filed"
    )  # fmt: skip
    shown = json.loads(server.plaint.ok("show", "C-1", "--json", actor="ann"))
    assert {k: shown[k] for k in ("project", "channel", "severity", "summary",
                                  "detail", "customer", "owner")} == {
        "project": "Apollo", "channel": "email", "severity": "severe",
        "summary": "Invoice charged twice", "detail": "Two debits on 3 March.",
        "customer": "Dana", "owner": "lee",
    }  # fmt: skip
    page = bob.get(filed.headers["location"])
    ack = shown["deadlines"]["ack"]
    assert (
        f'<p class="done" role="status">Recorded C-1 (Apollo, severe, email): '
        f"it is received, owned by lee; deadlines: ack by {ack}.</p>"
    ) in page.text


def test_a_form_that_fails_keeps_what_was_typed_and_names_the_field(
    server: Server,
) -> None:
    bob, csrf = server.session("bob")
    before = events(server.plaint)
    late = bob.post(
        "/complaints/new",
        data={"csrf": csrf, **FORM, "received_at": "2150-01-01T00:00:00Z"},
    )
    assert late.status_code == 400
    assert invalid(late.text) == ["received_at"]
    assert re.search(
        r'<p class="error" role="alert" id="file-error">Received at: the time '
        r"received 2150-01-01T00:00:00Z is in the future",
        late.text,
    )
    assert 'name="summary" type="text" value="Invoice charged twice"' in late.text
    assert ">Two debits on 3 March.</textarea>" in late.text
    assert "<option selected>severe</option>" in late.text
    empty = bob.post("/complaints/new", data={"csrf": csrf, **FORM, "summary": " "})
    assert empty.status_code == 400
    assert invalid(empty.text) == ["summary"]
    assert "Summary: Missing field &#39;summary&#39;." in empty.text
    fax = bob.post("/complaints/new", data={"csrf": csrf, **FORM, "channel": "fax"})
    assert fax.status_code == 400
    assert invalid(fax.text) == ["channel"]
    assert events(server.plaint) == before


def test_the_page_files_confidentially_for_a_lead_and_refuses_an_auditor(
    server: Server,
) -> None:
    lee, csrf = server.session("lee")
    secret = {**FORM, "confidential": "1", "allow": "ann"}
    assert lee.post("/complaints/new", data={"csrf": csrf, **secret}).status_code == 303
    shown = json.loads(server.plaint.ok("show", "C-1", "--json", actor="ann"))
    assert shown["confidential"] is True
    aud, csrf = server.session("aud")
    assert 'href="/complaints/new"' not in aud.get("/").text
    before = events(server.plaint)
    refused = aud.post("/complaints/new", data={"csrf": csrf, **FORM})
    assert refused.status_code == 403
    assert "aud is auditor and may not file complaints" in refused.text
    assert 'value="Invoice charged twice"' in refused.text
    forged = lee.post("/complaints/new", data={"csrf": "forged", **FORM})
    assert forged.status_code == 403
    assert events(server.plaint) == before


def test_a_form_sent_twice_files_once(server: Server) -> None:
    bob, csrf = server.session("bob")
    form = bob.get("/complaints/new")
    found = re.search(r'name="request" value="([\w-]{20,})"', form.text)
    assert found is not None
    sent = {"csrf": csrf, "request": found.group(1), **FORM}
    first = bob.post("/complaints/new", data=sent)
    before = events(server.plaint)
    again = bob.post("/complaints/new", data=sent)  # a double click
    assert first.headers["location"] == again.headers["location"]
    assert again.headers["location"] == "/complaints/C-1?done=filed"
    assert events(server.plaint) == before
    # Another form is another request.
    other = re.search(r'name="request" value="([\w-]{20,})"',
                      bob.get("/complaints/new").text)  # fmt: skip
    assert other is not None
    assert other.group(1) != found.group(1)
    bob.post("/complaints/new", data={**sent, "request": other.group(1)})
    assert json.loads(server.plaint.ok("list", "--json"))[-1]["ref"] == "C-2"
