"""Console providers keep 'sent' SMS and email visible on the developer-only outbox page."""

from __future__ import annotations

from flask import Flask

from contactbook import create_app
from contactbook.messaging.providers import email_provider, sms_provider
from tests.conftest import app_settings
from tests.factories import World, login
from tests.support import IsolatedClient


def dev_app(urls: dict[str, str], dev_pages: bool) -> Flask:
    return create_app({**app_settings(urls), "DEV_PAGES": dev_pages})


def test_sent_sms_and_email_appear_on_the_outbox_page(app: Flask, urls: dict[str, str], world: World) -> None:
    application = dev_app(urls, dev_pages=True)
    client = IsolatedClient(application, application.response_class, use_cookies=True)
    assert login(client, "teacher", "alpha").status_code == 302  # the outbox asks for a sign-in
    [sms] = sms_provider(application).send_many([(1, "+84912345678", "Lớp 6A1 nghỉ học ngày mai.")])
    mail = email_provider(application).send_email("ph@example.com", "Thông báo", "Họp phụ huynh thứ Bảy.")
    assert sms.provider_ref != mail.provider_ref

    page = client.get("/dev/outbox").get_data(as_text=True)

    assert "+84912345678" in page and "Lớp 6A1 nghỉ học ngày mai." in page
    assert "ph@example.com" in page and "Họp phụ huynh thứ Bảy." in page
    assert page.index("ph@example.com") < page.index("+84912345678"), "newest first"


def test_outbox_page_is_not_served_without_dev_pages(app: Flask, urls: dict[str, str]) -> None:
    application = dev_app(urls, dev_pages=False)
    sms_provider(application).send_many([(1, "+84912345678", "secret")])
    response = application.test_client().get("/dev/outbox")
    assert response.status_code == 404
    assert "secret" not in response.get_data(as_text=True)
