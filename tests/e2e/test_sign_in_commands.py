"""`plaint team password`, `team link` and `plaint token …`: what they print,
their exact refusals, and that a refused one records nothing."""

from __future__ import annotations

import json

from tests.conftest import Plaint, error_line, events

PASSWORD = "a long enough password"


def test_a_password_is_typed_twice_and_then_signs_the_member_in(
    plaint: Plaint,
) -> None:
    result = plaint("team", "password", "bob", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("Set the password of bob.\n")
    assert PASSWORD not in result.stdout
    ledger = plaint.open()
    try:
        assert ledger.sign_in("bob", PASSWORD, None)["member"] == "bob"
    finally:
        ledger.close()


def test_a_short_password_is_refused_and_nothing_is_recorded(plaint: Plaint) -> None:
    before = events(plaint)
    result = plaint("team", "password", "bob", stdin="short\nshort\n")
    assert result.exit_code == 2
    assert error_line(result.stderr) == (
        "Error: a password needs at least 12 characters (this one has 5); a few "
        "unrelated words make a good one"
    )
    assert events(plaint) == before


def test_an_invitation_prints_a_one_time_link_under_the_public_url(
    plaint: Plaint,
) -> None:
    out = plaint.ok("team", "password", "lee", "--invite", "--expires", "2d",
                    "--public-url", "https://complaints.example.org/")  # fmt: skip
    first, link = out.splitlines()
    assert first.startswith("Invitation for lee, once, until ")
    prefix = "https://complaints.example.org/invite/"
    assert link.startswith(prefix)
    ledger = plaint.open()
    try:
        assert ledger.accept_invite(link.removeprefix(prefix), PASSWORD) == {
            "member": "lee"
        }
    finally:
        ledger.close()
    plaint.environ["PLAINT_PUBLIC_URL"] = "https://c.example.org"
    out = plaint.ok("team", "password", "bob", "--invite")
    assert out.splitlines()[1].startswith("https://c.example.org/invite/")


def test_an_invitation_for_someone_outside_the_team_is_refused(plaint: Plaint) -> None:
    before = events(plaint)
    result = plaint("team", "password", "zed", "--invite")
    assert result.exit_code == 2
    assert error_line(result.stderr) == (
        "Error: zed is not a member of the team (members: ann, aud, bob, lee)"
    )
    assert events(plaint) == before


def test_a_subject_links_to_one_member_only(plaint: Plaint) -> None:
    assert plaint.ok("team", "link", "bob", "--oidc-subject", "s-1") == (
        "Linked bob to the single-sign-on subject s-1.\n"
    )
    before = events(plaint)
    result = plaint("team", "link", "lee", "--oidc-subject", "s-1")
    assert result.exit_code == 1
    assert (
        error_line(result.stderr) == "Error: the subject s-1 is already linked to bob"
    )
    assert events(plaint) == before


def test_a_token_is_shown_once_listed_without_its_secret_and_revoked(
    plaint: Plaint,
) -> None:
    made = json.loads(plaint.ok("token", "create", "--member", "bob", "--scope",
                                "intake", "--expires", "30d", "--json"))  # fmt: skip
    assert set(made) == {"id", "token", "member", "scope", "expires"}
    assert (made["member"], made["scope"]) == ("bob", "intake")
    assert made["token"].startswith(f"plaint_{made['id']}_")
    listed = plaint.ok("token", "list", "--json")
    # The secret is URL-safe base64, which may itself hold "_".
    secret = made["token"].removeprefix(f"plaint_{made['id']}_")
    assert len(secret) >= 43
    assert secret not in listed
    [row] = json.loads(listed)
    assert (row["id"], row["member"], row["expired"]) == (made["id"], "bob", False)
    assert plaint.ok("token", "revoke", made["id"]) == (
        f"Revoked token {made['id']} of bob.\n"
    )
    assert json.loads(plaint.ok("token", "list", "--json")) == []


def test_an_unknown_scope_or_token_is_a_usage_error_recording_nothing(
    plaint: Plaint,
) -> None:
    before = events(plaint)
    result = plaint("token", "create", "--member", "bob", "--scope", "all")
    assert result.exit_code == 2
    assert "'all' is not one of 'intake', 'read', 'act'" in result.stderr
    result = plaint("token", "revoke", "0123456789abcdef")
    assert result.exit_code == 2
    assert error_line(result.stderr) == (
        "Error: no token 0123456789abcdef in this ledger (`plaint token list` "
        "shows them)"
    )
    assert events(plaint) == before


def test_history_says_the_cli_actor_was_claimed(plaint: Plaint) -> None:
    plaint.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
              "--summary", "s")  # fmt: skip
    [row] = json.loads(plaint.ok("history", "C-1", "--json"))
    assert (row["actor"], row["proof"], row["address"]) == ("ann", "claimed", None)
    assert "proof" not in row["details"]
