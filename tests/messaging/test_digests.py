"""The daily digest: one message a day per guardian and channel, for all their children, at the digest hour.

The worker's steps are called in this process, with the clock set where each test needs it; the fake Twilio
server and the SMTP server receive what is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import update

from contactbook.extensions import db
from contactbook.messaging.services import delivery
from contactbook.messaging.services.composing import NOTHING_LEFT, SMS_MAX_CHARS
from contactbook.messaging.text import sms_segments, to_gsm
from contactbook.models import MessageStatus, ServiceSettings, Subscription
from contactbook.subscriptions import services as subscriptions
from tests.messaging.conftest import FakeTwilio, SmtpServer
from tests.messaging.digest_support import (
    Clock,
    DigestSchool,
    digest_school,
    digests_of,
    email_text,
    messages,
    notice,
    sms_bodies,
)

pytestmark = [pytest.mark.committed, pytest.mark.usefixtures("committed_db")]


@pytest.fixture
def ctx_app(app: Flask) -> Iterator[Flask]:
    with app.test_request_context():
        yield app


@pytest.fixture
def clock(ctx_app: Flask, monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(ctx_app, monkeypatch)


@pytest.fixture
def school(ctx_app: Flask, delivery_app: Flask) -> DigestSchool:
    return digest_school()


def subscription_of(student_id: int) -> Subscription:
    found = db.session.query(Subscription).filter_by(student_id=student_id).one()
    return found


def set_settings(school: DigestSchool, **values: object) -> None:
    db.session.execute(update(ServiceSettings).where(ServiceSettings.school_id == school.school_id).values(**values))
    db.session.commit()


# --- Grouping ------------------------------------------------------------------------------------------


def test_one_digest_per_guardian_and_channel_gathers_all_their_children(
    school: DigestSchool, clock: Clock, fake_twilio: FakeTwilio, smtp_server: SmtpServer
) -> None:
    clock.set(9)
    first = notice(school, "Họp phụ huynh")
    clock.set(10)
    notice(school, "Nghỉ học thứ Sáu", "Trường nghỉ để sửa điện.")

    items = messages(notice_id=first)
    assert items and all(m.digest and m.digest_id for m in items)
    assert {m.cost for m in items} == {0}
    [sms_digest, _email_digest] = sorted(digests_of(school.two_children), key=lambda m: m.channel, reverse=True)
    assert sms_digest.dedupe_key == f"digest:{school.two_children}:sms:{clock.today.isoformat()}"
    assert sms_digest.next_attempt_at == clock.local(18)

    clock.set(18)
    delivery.dispatch()

    day = clock.today.strftime("%d/%m/%Y")
    name = to_gsm(school.world.school.name)
    expected = (
        f"{name} TB PHHS ngay {day}:\n"
        "Em An:\n- Hop phu huynh. Phu huynh xem chi tiet o truong.\n- Nghi hoc thu Sau. Truong nghi de sua dien.\n"
        "Em Binh:\n- Hop phu huynh. Phu huynh xem chi tiet o truong.\n- Nghi hoc thu Sau. Truong nghi de sua dien."
    )
    assert sms_bodies(fake_twilio, 0) == [expected]
    assert len(sms_bodies(fake_twilio, 2)) == 1 and "Em Cuong:" in sms_bodies(fake_twilio, 2)[0]
    assert fake_twilio.stats()["total"] == 3  # one SMS per guardian with children
    [email] = smtp_server.messages
    subject, body = email_text(email)
    assert subject == f"{school.world.school.name}: tin trong ngày {day}"
    assert "Em Nguyễn Văn An:\n- Họp phụ huynh." in body and "Em Trần Thị Bình:\n- Họp phụ huynh." in body

    [sent_sms, sent_email] = sorted(digests_of(school.two_children), key=lambda m: m.channel, reverse=True)
    assert (sent_sms.status, sent_email.status) == (MessageStatus.SENT, MessageStatus.SENT)
    assert sent_sms.body == expected
    assert sent_sms.segments == sms_segments(expected)[1] == 2
    assert sent_sms.cost == 2 * 300
    gathered = messages(digest_id=sent_sms.id)
    assert len(gathered) == 4
    assert {(m.status, m.error) for m in gathered} == {(MessageStatus.DIGESTED, f"in digest message {sent_sms.id}")}


def test_the_digest_keeps_its_accents_when_the_school_sends_accented_sms(
    school: DigestSchool, clock: Clock, fake_twilio: FakeTwilio
) -> None:
    set_settings(school, sms_unaccented=False)
    clock.set(9)
    notice(school, "Họp phụ huynh")
    clock.set(18)
    delivery.dispatch()

    [body] = sms_bodies(fake_twilio, 2)
    assert body.startswith(f"{school.world.school.name} TB PHHS ngày") and "Em Cường:\n- Họp phụ huynh." in body
    [digest] = digests_of(school.one_child)
    assert sms_segments(body) == ("UCS-2", digest.segments) and digest.cost == digest.segments * 300


def test_an_urgent_notice_is_never_held_for_the_digest(
    school: DigestSchool, clock: Clock, fake_twilio: FakeTwilio
) -> None:
    clock.set(9)
    urgent = notice(school, "Nghỉ học vì bão", urgent=True)
    delivery.dispatch()

    assert {m.status for m in messages(notice_id=urgent)} == {MessageStatus.SENT}
    assert digests_of(school.one_child) == []
    assert fake_twilio.stats()["total"] == 4  # one per child, at once


def test_nothing_goes_before_the_digest_hour(school: DigestSchool, clock: Clock, fake_twilio: FakeTwilio) -> None:
    clock.set(9)
    notice(school, "Họp phụ huynh")
    clock.set(17, 59)
    delivery.dispatch()

    assert fake_twilio.stats()["total"] == 0
    assert {m.status for m in messages()} == {MessageStatus.QUEUED}


def test_a_long_digest_fits_one_request_and_counts_what_it_leaves_out(
    school: DigestSchool, clock: Clock, fake_twilio: FakeTwilio
) -> None:
    clock.set(9)
    for number in range(12):
        notice(school, f"Thông báo số {number}", "Nội dung dài " * 12)
    clock.set(18)
    delivery.dispatch()

    [body] = sms_bodies(fake_twilio, 0)
    assert len(body) <= SMS_MAX_CHARS and body.endswith("tin khac)")
    left_out = int(body.rsplit("(+", 1)[1].split()[0])
    assert body.count("\n- ") + left_out == 24  # two children, twelve notices each
    [digest, _email] = sorted(digests_of(school.two_children), key=lambda m: m.channel, reverse=True)
    assert digest.status == MessageStatus.SENT and digest.segments == sms_segments(body)[1]


# --- Eligibility when the digest goes --------------------------------------------------------------------


def test_an_item_whose_consent_was_withdrawn_before_the_digest_hour_is_left_out(
    school: DigestSchool, clock: Clock, fake_twilio: FakeTwilio
) -> None:
    clock.set(9)
    notice(school, "Họp phụ huynh")
    binh, cuong = school.world.student_ids[1], school.world.student_ids[2]
    subscriptions.withdraw_purpose(school.world.school, None, subscription_of(binh), "notices_sms")
    subscriptions.withdraw_purpose(school.world.school, None, subscription_of(cuong), "notices_sms")
    clock.set(18)
    delivery.dispatch()

    [body] = sms_bodies(fake_twilio, 0)
    assert "Em An:" in body and "Binh" not in body
    assert sms_bodies(fake_twilio, 2) == []
    [nothing_left] = digests_of(school.one_child)
    assert (nothing_left.status, nothing_left.error) == (MessageStatus.SKIPPED, NOTHING_LEFT)
    [item] = messages(digest_id=nothing_left.id)
    assert item.status == MessageStatus.SKIPPED and item.error and "no longer eligible" in item.error


# --- Timing ---------------------------------------------------------------------------------------------


def test_an_item_written_after_the_digest_hour_goes_in_the_next_days_digest_across_midnight(
    school: DigestSchool, clock: Clock, fake_twilio: FakeTwilio
) -> None:
    at = clock.set(23, 30)  # 16:30 UTC: the UTC date is still the local date
    notice(school, "Họp phụ huynh")

    tomorrow = clock.today + timedelta(days=1)
    [digest] = digests_of(school.one_child)
    assert at.date() == clock.today
    assert (digest.digest_on, digest.dedupe_key) == (tomorrow, f"digest:{school.one_child}:sms:{tomorrow}")
    assert digest.next_attempt_at == clock.local(18, day=tomorrow)

    clock.set(18)  # today's digest hour has passed for this item
    delivery.dispatch()
    assert fake_twilio.stats()["total"] == 0
    clock.set(18, days=1)
    delivery.dispatch()
    assert len(sms_bodies(fake_twilio, 2)) == 1


def test_an_item_written_early_in_the_morning_belongs_to_the_local_day_not_the_utc_one(
    school: DigestSchool, clock: Clock, fake_twilio: FakeTwilio
) -> None:
    at = clock.set(6, 30)  # 23:30 UTC the day before
    notice(school, "Họp phụ huynh")
    clock.set(23, 30)
    notice(school, "Nghỉ học thứ Sáu")

    assert at.date() == clock.today - timedelta(days=1)
    first, second = digests_of(school.one_child)
    assert (first.digest_on, second.digest_on) == (clock.today, clock.today + timedelta(days=1))

    clock.set(18)
    delivery.dispatch()
    [today] = sms_bodies(fake_twilio, 2)
    assert "Hop phu huynh" in today and "Nghi hoc" not in today


def test_a_digest_hour_after_midnight_gathers_the_evening_before(
    school: DigestSchool, clock: Clock, fake_twilio: FakeTwilio
) -> None:
    set_settings(school, digest_hour=6)
    clock.set(20)
    notice(school, "Họp phụ huynh")
    clock.set(23, 30)
    notice(school, "Nghỉ học thứ Sáu")

    tomorrow = clock.today + timedelta(days=1)
    [digest] = digests_of(school.one_child)
    assert (digest.digest_on, digest.next_attempt_at) == (tomorrow, clock.local(6, day=tomorrow))
    clock.set(6, days=1)
    delivery.dispatch()
    [body] = sms_bodies(fake_twilio, 2)
    assert "Hop phu huynh" in body and "Nghi hoc" in body


def test_an_item_that_arrives_once_the_days_digest_is_taken_goes_in_the_next_one(
    school: DigestSchool, clock: Clock, fake_twilio: FakeTwilio
) -> None:
    clock.set(9)
    notice(school, "Họp phụ huynh")
    clock.set(18)
    delivery.dispatch()
    assert len(sms_bodies(fake_twilio, 2)) == 1

    # Written in a transaction that began at 17:59 and committed after the worker took today's digest.
    clock.set(17, 59)
    notice(school, "Nghỉ học thứ Sáu")
    clock.set(18, 1)
    delivery.dispatch()

    today, tomorrow = digests_of(school.one_child)
    assert today.status == MessageStatus.SENT and tomorrow.status == MessageStatus.QUEUED
    assert tomorrow.digest_on == clock.today + timedelta(days=1)
    assert [m.digest_id for m in messages(guardian_id=school.one_child, digest=True)] == [today.id, tomorrow.id]
    assert fake_twilio.stats()["total"] == 3  # nothing more today, for anyone


def test_running_the_worker_again_sends_no_second_digest(
    school: DigestSchool, clock: Clock, fake_twilio: FakeTwilio
) -> None:
    clock.set(9)
    notice(school, "Họp phụ huynh")
    clock.set(18)
    delivery.dispatch()
    delivery.sweep()
    delivery.dispatch()

    stats = fake_twilio.stats()
    assert stats["total"] == 3 and stats["duplicates"] == {}


def test_moving_the_digest_hour_moves_the_digests_not_yet_sent(
    school: DigestSchool, clock: Clock, fake_twilio: FakeTwilio
) -> None:
    clock.set(9)
    notice(school, "Họp phụ huynh")
    people = school.world.people
    subscriptions.update_delivery_settings(
        people.school, people.admin, quiet_start_hour=23, quiet_end_hour=5, digest_hour=20, sms_segment_price=300
    )
    assert {d.next_attempt_at for d in messages(kind="digest")} == {clock.local(20)}

    clock.set(19)
    delivery.dispatch()
    assert fake_twilio.stats()["total"] == 0

    subscriptions.update_delivery_settings(
        people.school, people.admin, quiet_start_hour=23, quiet_end_hour=5, digest_hour=16, sms_segment_price=300
    )
    delivery.dispatch()  # 16:00 has passed: today's digests go now
    assert fake_twilio.stats()["total"] == 3


def test_a_digest_that_expired_unsent_expires_its_items(
    school: DigestSchool, clock: Clock, fake_twilio: FakeTwilio
) -> None:
    clock.set(9)
    first = notice(school, "Họp phụ huynh")
    clock.set(19, days=2)  # the workers were away for two days
    delivery.dispatch()

    assert {m.status for m in messages(kind="digest")} == {MessageStatus.EXPIRED}
    assert {m.status for m in messages(notice_id=first)} == {MessageStatus.EXPIRED}
    assert fake_twilio.stats()["total"] == 0


# --- Switching between single messages and the digest mid-day ---------------------------------------------


def test_switching_to_single_messages_mid_day_keeps_the_morning_items_for_the_digest(
    school: DigestSchool, clock: Clock, fake_twilio: FakeTwilio
) -> None:
    cuong = subscription_of(school.world.student_ids[2])
    clock.set(9)
    notice(school, "Họp phụ huynh")
    clock.set(12)
    subscriptions.set_digest(school.world.school, school.world.admin, cuong, False)
    clock.set(13)
    notice(school, "Nghỉ học thứ Sáu")
    delivery.dispatch()

    [single] = sms_bodies(fake_twilio, 2)
    assert "Nghi hoc thu Sau" in single and "Hop phu huynh" not in single
    clock.set(18)
    delivery.dispatch()
    single_then_digest = sms_bodies(fake_twilio, 2)
    assert len(single_then_digest) == 2
    [digest] = [body for body in single_then_digest if body != single]
    assert "Hop phu huynh" in digest and "Nghi hoc" not in digest


def test_switching_to_the_digest_mid_day_gathers_only_what_comes_after(
    ctx_app: Flask, delivery_app: Flask, clock: Clock, fake_twilio: FakeTwilio
) -> None:
    school = digest_school(digest=False)
    cuong = subscription_of(school.world.student_ids[2])
    clock.set(9)
    notice(school, "Họp phụ huynh")
    delivery.dispatch()
    [single] = sms_bodies(fake_twilio, 2)
    assert "Hop phu huynh" in single

    clock.set(12)
    subscriptions.set_digest(school.world.school, school.world.admin, cuong, True)
    clock.set(13)
    notice(school, "Nghỉ học thứ Sáu")
    delivery.dispatch()
    assert sms_bodies(fake_twilio, 2) == [single]

    clock.set(18)
    delivery.dispatch()
    [digest] = [body for body in sms_bodies(fake_twilio, 2) if body != single]
    assert "Em Cuong:\n- Nghi hoc thu Sau." in digest and "Hop phu huynh" not in digest


def test_switching_the_service_off_before_the_digest_hour_stops_the_paid_sending(
    school: DigestSchool, clock: Clock, fake_twilio: FakeTwilio
) -> None:
    clock.set(9)
    notice(school, "Họp phụ huynh")
    subscriptions.set_service_enabled(school.world.school, school.world.admin, False)
    clock.set(18)
    delivery.dispatch()

    assert [sms_bodies(fake_twilio, index) for index in range(4)] == [[], [], [], []]
    digests = digests_of(school.one_child)
    assert digests and all(digest.status == MessageStatus.SKIPPED for digest in digests)
