"""The evening's daily notes: each preschool child's note of the day goes to its family once, at the digest hour.

A run (the beat calls it every few minutes) acts in a school once its evening is near: from a lead (setting
DAILY_NOTES_LEAD_MINUTES, 15 minutes) before the school's digest hour (`ServiceSettings.digest_hour`). It then
takes every note not yet sent of the last `LOOKBACK_DAYS` days up to today, marks it sent and writes, in the same
transaction, one `daily_note` message per eligible guardian and channel (Category.GENERAL): an item of the
guardian's daily digest when the guardian chose the digest, else a message of its own, due at the digest hour.
Gathering a little before the hour puts the items in that evening's digest before a worker takes it; a note
written after the hour goes at once, or in the next digest.

Once only: a note is taken by an UPDATE of the notes still unsent, so a second run, or another worker at the
same moment, finds nothing left (it waits for the first one's commit, then skips its rows); each message has
the key `daily_note:<note>:<guardian>:<channel>`. A note changed after it went sends nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, select, update

from contactbook.daily_notes import rules
from contactbook.extensions import among, db
from contactbook.messaging.render import render_message
from contactbook.messaging.services.digests import digest_time
from contactbook.messaging.services.outbox import Outbox, recipients
from contactbook.messaging.text import sms_segments
from contactbook.messaging.vocabulary import Category, Channel
from contactbook.models import DailyNote, School, SchoolLevel, SchoolStatus, Student
from contactbook.roster.rules import given_name
from contactbook.subscriptions.eligibility import settings_of
from contactbook.tenancy import school_scope
from contactbook.timezones import school_zone

KIND = "daily_note"
ITEM = "daily_note_item"
LOOKBACK_DAYS = 7  # a note left unsent longer than this (the workers were down for a week) stays in the portal


def send_evening_notes(now: datetime) -> dict[str, int]:
    """Write the messages of every preschool's notes whose evening has come; how many notes and messages."""
    totals = {"notes": 0, "messages": 0}
    schools = db.session.scalars(
        select(School.id)
        .where(School.level == SchoolLevel.PRESCHOOL, School.status == SchoolStatus.ACTIVE)
        .order_by(School.id)
    ).all()
    for school_id in schools:
        with school_scope(school_id):
            notes, messages = _send_for(school_id, now)
        totals["notes"] += notes
        totals["messages"] += messages
    return totals


def gathering_time(day: date, digest_hour: int) -> datetime:
    """When the notes of a school-local `day` are gathered: the lead before that day's digest hour (UTC)."""
    lead = timedelta(minutes=current_app.config["DAILY_NOTES_LEAD_MINUTES"])
    return digest_time(day, school_zone(), digest_hour) - lead


def _send_for(school_id: int, now: datetime) -> tuple[int, int]:
    """One school's unit of work: take its notes due now and write their messages; commits."""
    school = db.session.get(School, school_id)
    assert school is not None
    settings = settings_of(school)
    zone = school_zone()
    today = now.astimezone(zone).date()
    if now < gathering_time(today, settings.digest_hour):
        db.session.rollback()  # end the read: nothing to send before the evening
        return 0, 0
    taken = db.session.execute(
        update(DailyNote)
        .where(
            DailyNote.school_id == school_id,
            DailyNote.sent_at.is_(None),
            DailyNote.on <= today,
            DailyNote.on >= today - timedelta(days=LOOKBACK_DAYS),
            or_(*(getattr(DailyNote, field).is_not(None) for field in rules.FIELDS)),
        )
        .values(sent_at=now)
        .returning(DailyNote.id, DailyNote.student_id, DailyNote.on, *(getattr(DailyNote, f) for f in rules.FIELDS))
        .execution_options(synchronize_session=False)
    ).all()
    written = _write_messages(school, taken, digest_time(today, zone, settings.digest_hour), now) if taken else 0
    db.session.commit()
    return len(taken), written


def _write_messages(school: School, notes: Sequence[Any], evening: datetime, now: datetime) -> int:
    """The messages of the taken notes: one per eligible guardian and channel of each child."""
    unaccented = settings_of(school).sms_unaccented
    students = {note.student_id for note in notes}
    rows = db.session.execute(select(Student.id, Student.full_name).where(among(Student.id, students))).tuples()
    names: dict[int, str] = dict(rows.all())
    by_student: dict[int, list[Any]] = {}
    for note in sorted(notes, key=lambda n: (n.on, n.id)):
        by_student.setdefault(note.student_id, []).append(note)
    outbox = Outbox(school, kind=KIND, category=Category.GENERAL, now=now)
    for recipient in recipients(school, sorted(students), Category.GENERAL, now):
        for note in by_student[recipient.student_id]:
            context = {
                "school": school.name,
                "student": given_name(names[recipient.student_id]),
                "day": note.on,
                **{field: getattr(note, field) or "" for field in rules.FIELDS},
            }
            sms = recipient.channel == Channel.SMS
            body = render_message(KIND, "vi", context, unaccented=unaccented and sms)
            outbox.add(
                recipient,
                key=f"{KIND}:{note.id}:{recipient.guardian_id}:{recipient.channel.value}",
                body=body,
                subject=f"Ghi chú ngày {note.on:%d/%m/%Y} của bé {context['student']}",
                segments=sms_segments(body)[1] if sms else 0,
                # An item joins the next digest from now (this evening's); a message of its own waits for the hour.
                start=None if recipient.digest else evening,
                line=render_message(ITEM, "vi", context, unaccented=False) if recipient.digest else None,
            )
    return outbox.write()
