"""Signing in and out in a browser, every page accessible and valid HTML."""

from __future__ import annotations

from collections.abc import Callable

from tests.service.browser.conftest import Visit, sign_in
from tests.service.conftest import Server


def test_a_member_signs_in_with_a_password_and_signs_out(
    browse: Callable[[str | None], Visit], server: Server
) -> None:
    visit = browse(None)
    page = visit.goto("/", "anonymous home")
    assert page.url == f"{server.url}/login"
    sign_in(visit, "bob", server.password("bob"))
    assert page.url == f"{server.url}/"
    assert page.get_by_role("heading", level=1).inner_text() != "Sign in"
    visit.click(page.get_by_role("button", name="Sign out"), "signed out")
    assert page.url == f"{server.url}/login"
    page = visit.goto("/", "home after sign-out")
    assert page.url == f"{server.url}/login"


def test_a_wrong_password_is_refused_and_keeps_the_member_name(
    browse: Callable[[str | None], Visit], server: Server
) -> None:
    server.password("bob")
    visit = browse(None)
    page = visit.goto("/login", "sign-in")
    page.get_by_label("Member name").fill("bob")
    page.get_by_label("Password").fill("wrong horse")
    visit.click(page.get_by_role("button", name="Sign in"), "wrong password")
    assert page.get_by_label("Member name").input_value() == "bob"
    assert page.get_by_role("alert").count() + page.locator(".error").count() > 0
