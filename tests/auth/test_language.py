"""Pages are in Vietnamese by default; the header's switch turns them to English and back."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.factories import World, login, post


def test_pages_are_vietnamese_by_default(client: FlaskClient, world: World) -> None:
    page = client.get(f"/s/{world.a.slug}/login").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Đăng nhập" in page and "Tên đăng nhập" in page
    assert "Log in" not in page


def test_switching_to_english_and_back(client: FlaskClient, world: World) -> None:
    url = f"/s/{world.a.slug}/login"
    response = post(client, "/lang", {"lang": "en", "next": url})
    assert response.headers["Location"] == url
    english = client.get(url).get_data(as_text=True)
    assert '<html lang="en">' in english and "Username" in english and "Tên đăng nhập" not in english

    post(client, "/lang", {"lang": "vi", "next": url})
    assert "Tên đăng nhập" in client.get(url).get_data(as_text=True)


def test_chosen_language_survives_login(client: FlaskClient, world: World) -> None:
    post(client, "/lang", {"lang": "en"})
    assert login(client, "admin", world.a.slug).status_code == 302
    assert "Log out" in client.get(f"/s/{world.a.slug}/home").get_data(as_text=True)


def test_unknown_language_is_refused_and_keeps_vietnamese(client: FlaskClient, world: World) -> None:
    post(client, "/lang", {"lang": "fr"})
    assert '<html lang="vi">' in client.get("/").get_data(as_text=True)
