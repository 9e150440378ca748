"""The messages a family was sent about a child: channel and status in the family's words, page by page."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete

from contactbook.extensions import db
from contactbook.models import Guardian, Message, MessageStatus
from tests.factories import World
from tests.family.child_messages_support import message
from tests.family.child_support import as_mother
from tests.grading.factories import GradeWorld, make_grade_world
from tests.support import page


@pytest.fixture
def gw(world: World) -> GradeWorld:
    """The grade world, without the welcome SMS its subscriptions queued: each test writes the messages it reads."""
    grade_world = make_grade_world(world.a)
    db.session.execute(delete(Message).where(Message.kind == "welcome"))
    db.session.commit()
    return grade_world


def shown(html: str) -> list[tuple[str, str]]:
    """(channel, status) of each message on the page, in order."""
    return re.findall(r'data-test="channel">([^<]*)</span>.*?data-test="status">([^<]*)</span>', html, re.DOTALL)


def test_the_family_sees_each_message_with_its_channel_and_status(
    app: Flask, client: FlaskClient, gw: GradeWorld
) -> None:
    message(gw.mother, gw.an, "sms", MessageStatus.SENT, "Điểm Toán 8,5")
    message(gw.mother, gw.an, "sms", MessageStatus.DELIVERED, "Điểm Văn 9")
    message(gw.mother, gw.an, "email", MessageStatus.FAILED, "Họp lớp")
    message(gw.father, gw.cuong, "sms", MessageStatus.SENT, "Điểm của Cường")  # another family's
    as_mother(app, client)

    html = page(client.get(f"/family/children/{gw.an.id}/messages"))

    assert shown(html) == [("Email", "lỗi"), ("SMS", "đã đến máy"), ("SMS", "đã gửi")]
    assert "Điểm của Cường" not in html


def test_a_digest_item_shows_the_digests_status(app: Flask, client: FlaskClient, gw: GradeWorld) -> None:
    digest = message(gw.mother, None, "sms", MessageStatus.DELIVERED, "Bản tin", kind="digest")
    item = message(gw.mother, gw.an, "sms", MessageStatus.DIGESTED, "Điểm Toán 8,5")
    item.digest, item.digest_id = True, digest.id
    db.session.commit()
    as_mother(app, client)

    html = page(client.get(f"/family/children/{gw.an.id}/messages"))

    assert shown(html) == [("SMS", "đã đến máy")]
    assert "Bản tin" not in html  # the digest itself is about no one child


def test_messages_come_page_by_page_and_a_hostile_page_is_no_error(
    app: Flask, client: FlaskClient, gw: GradeWorld
) -> None:
    for number in range(25):
        message(gw.mother, gw.an, "sms", MessageStatus.SENT, f"Tin số {number}")
    as_mother(app, client)
    url = f"/family/children/{gw.an.id}/messages"

    first, second = page(client.get(url)), page(client.get(url + "?page=2"))
    assert len(shown(first)) == 20 and len(shown(second)) == 5
    assert "Tin số 24" in first and "Tin số 4<" in second
    for hostile in ("-1", "0", "١", "１", "99999999999999999999", "x", "1e9"):
        assert client.get(f"{url}?page={hostile}").status_code == 200


def test_messages_of_a_guardian_not_of_the_family_are_not_shown(
    app: Flask, client: FlaskClient, gw: GradeWorld
) -> None:
    # The father of An too, with his own number: another family (he signs in with his own number).
    father = Guardian(school_id=gw.people.school.id, full_name="Nguyễn Văn Ba", phone="+84911111111")
    db.session.add(father)
    db.session.commit()
    message(father, gw.an, "sms", MessageStatus.SENT, "Tin cho bố")
    as_mother(app, client)

    html = page(client.get(f"/family/children/{gw.an.id}/messages"))

    assert "Tin cho bố" not in html
