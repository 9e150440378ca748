"""The developer pages (only with DEV_PAGES): the console outbox asks for a sign-in, any account's."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.factories import World, login
from tests.support import browser


@pytest.fixture
def dev_pages(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "DEV_PAGES", True)


def test_the_outbox_sends_a_visitor_to_sign_in(app: Flask, world: World, dev_pages: None) -> None:
    response = browser(app).get("/dev/outbox")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/dev/outbox")


@pytest.mark.parametrize(("username", "slug"), [("teacher", "alpha"), ("op", None)], ids=["school-staff", "operator"])
def test_the_outbox_opens_for_a_signed_in_account(
    app: Flask, world: World, dev_pages: None, username: str, slug: str | None
) -> None:
    client = browser(app)
    assert login(client, username, slug).status_code == 302
    assert client.get("/dev/outbox").status_code == 200


def test_without_dev_pages_the_outbox_does_not_exist(app: Flask, world: World) -> None:
    client = browser(app)
    assert login(client, "op").status_code == 302
    assert client.get("/dev/outbox").status_code == 404
