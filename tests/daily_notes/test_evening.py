"""The evening's notes: written to the outbox once the school's evening is near, once only, to eligible families."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from contactbook.daily_notes.services import send_evening_notes
from contactbook.daily_notes.services.evening import LOOKBACK_DAYS, gathering_time
from contactbook.extensions import db
from contactbook.messaging.services.digests import digest_time
from contactbook.models import DailyNote, Message, SchoolLevel, Subscription, SubscriptionStatus
from contactbook.timezones import school_today, school_zone
from tests.daily_notes.support import subscribed_preschool, write_note

pytestmark = pytest.mark.usefixtures("ctx")
HOUR = 18  # the digest hour of `subscribed_preschool`


def evening(minutes: int = 1) -> datetime:
    """A moment `minutes` after today's notes are gathered."""
    return gathering_time(school_today(), HOUR) + timedelta(minutes=minutes)


def messages(**where: object) -> list[Message]:
    db.session.expire_all()
    query = select(Message).where(Message.kind == "daily_note").order_by(Message.dedupe_key)
    for name, value in where.items():
        query = query.where(getattr(Message, name) == value)
    return list(db.session.scalars(query))


def test_nothing_goes_before_the_evening_then_each_note_goes_once() -> None:
    world = subscribed_preschool(2, emails=1)
    today = school_today()
    an = write_note(world, 0, today, meals="Ăn hết suất", comment="Bé ngoan")
    binh = write_note(world, 1, today, nap="Ngủ 2 tiếng")

    assert send_evening_notes(evening(-2)) == {"notes": 0, "messages": 0}
    assert messages() == []

    assert send_evening_notes(evening()) == {"notes": 2, "messages": 3}  # An: SMS and email; Bình: SMS
    assert send_evening_notes(evening(5)) == {"notes": 0, "messages": 0}
    email, sms = messages(student_id=world.student_ids[0])
    assert (sms.channel, email.channel) == ("sms", "email")
    assert sms.dedupe_key == f"daily_note:{an.id}:{world.guardian_ids[0]}:sms"
    assert sms.category == "general" and not sms.urgent and not sms.digest
    assert "Ghi chu ngay" in sms.body and "Bua an: An het suat." in sms.body and "Co nhan: Be ngoan" in sms.body
    assert email.subject == f"Ghi chú ngày {today:%d/%m/%Y} của bé An" and "Bữa ăn: Ăn hết suất." in email.body
    # Due at the digest hour itself, not when gathered.
    assert sms.next_attempt_at == digest_time(today, school_zone(), HOUR)
    [binh_sms] = messages(student_id=world.student_ids[1])
    assert "Giac ngu: Ngu 2 tieng." in binh_sms.body and "Bua an" not in binh_sms.body
    db.session.refresh(an)
    db.session.refresh(binh)
    assert an.sent_at is not None and binh.sent_at is not None


def test_a_family_that_chose_the_digest_gets_the_note_in_this_evenings_digest() -> None:
    world = subscribed_preschool(2, digest=(1,))
    today = school_today()
    write_note(world, 1, today, activities="Vẽ tranh gia đình")

    send_evening_notes(evening())

    [item] = messages()
    assert item.digest and item.body.startswith(f"Ghi chú ngày {today:%d/%m/%Y}: Hoạt động: Vẽ tranh gia đình.")
    digest = db.session.get(Message, item.digest_id)
    assert digest is not None and digest.kind == "digest" and digest.digest_on == today
    assert digest.next_attempt_at == digest_time(today, school_zone(), HOUR)


def test_a_note_changed_after_it_went_sends_nothing_more() -> None:
    world = subscribed_preschool(1)
    note = write_note(world, 0, school_today(), meals="Ăn hết suất")
    send_evening_notes(evening())
    db.session.execute(update(DailyNote).values(meals="Ăn nửa suất"))
    db.session.commit()

    assert send_evening_notes(evening(10)) == {"notes": 0, "messages": 0}
    assert len(messages()) == 1 and note.id is not None


def test_late_notes_of_the_past_week_go_and_older_ones_stay_in_the_portal() -> None:
    world = subscribed_preschool(2)
    today = school_today()
    write_note(world, 0, today - timedelta(days=1), meals="Hôm qua")
    old = write_note(world, 1, today - timedelta(days=LOOKBACK_DAYS + 1), meals="Lâu rồi")
    write_note(world, 1, today + timedelta(days=1), meals="Ngày mai")

    assert send_evening_notes(evening())["notes"] == 1
    [sms] = messages()
    assert "Hom qua" in sms.body
    db.session.refresh(old)
    assert old.sent_at is None


def test_a_family_that_does_not_subscribe_gets_no_message_and_the_note_is_not_sent_again() -> None:
    world = subscribed_preschool(2)
    db.session.execute(
        update(Subscription)
        .where(Subscription.student_id == world.student_ids[1])
        .values(status=SubscriptionStatus.CANCELLED)
    )
    db.session.commit()
    write_note(world, 0, school_today(), meals="Ăn hết suất")
    write_note(world, 1, school_today(), meals="Ăn hết suất")

    assert send_evening_notes(evening()) == {"notes": 2, "messages": 1}
    assert [m.student_id for m in messages()] == [world.student_ids[0]]
    assert send_evening_notes(evening(5))["notes"] == 0


def test_only_preschools_send_daily_notes() -> None:
    world = subscribed_preschool(1)
    write_note(world, 0, school_today(), meals="Ăn hết suất")
    world.people.school.level = SchoolLevel.PRIMARY
    db.session.commit()

    assert send_evening_notes(evening()) == {"notes": 0, "messages": 0}


def test_a_note_written_after_the_digest_hour_goes_at_once_or_in_the_next_digest() -> None:
    world = subscribed_preschool(2, digest=(1,))
    today = school_today()
    write_note(world, 0, today, meals="Ăn muộn")
    write_note(world, 1, today, meals="Ăn muộn")
    late = digest_time(today, school_zone(), HOUR) + timedelta(minutes=40)

    assert send_evening_notes(late) == {"notes": 2, "messages": 2}

    own = next(m for m in messages() if not m.digest)
    item = next(m for m in messages() if m.digest)
    assert own.next_attempt_at == late
    digest = db.session.get(Message, item.digest_id)
    assert digest is not None and digest.digest_on == today + timedelta(days=1)
