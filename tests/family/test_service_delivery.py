"""What a family's changes do to the messages: queued ones of a stopped subscription or a dropped channel never go,
the first SMS says where the portal is (once), every email ends with how to stop and whom to contact."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.messaging.providers.console import recent
from contactbook.messaging.render import email_footer
from contactbook.messaging.services import delivery
from contactbook.messaging.services.checks import checked
from contactbook.messaging.services.outbox import Outbox, recipients
from contactbook.models import Message, MessageStatus, Score, StudentGuardian
from contactbook.models.base import utcnow
from contactbook.subscriptions import services
from contactbook.timezones import school_today
from tests.factories import World
from tests.family.service_support import Family, choices, messages_of, send, signed_in, the_subscription
from tests.roster.factories import make_student
from tests.subscriptions.payment_factories import subscribe as staff_subscribe


def queue_notice(family: Family) -> list[Message]:
    """A general notice about the child, written to the outbox for every channel the family may get it by."""
    now = utcnow()
    school = family.people.school
    outbox = Outbox(school, kind="notice", category="general", now=now)
    for recipient in recipients(school, [family.world.student.id], "general", now):
        outbox.add(recipient, key=f"notice:test:{recipient.channel.value}", body="Họp phụ huynh", subject="Họp")
    outbox.write()
    db.session.commit()
    return messages_of("notice")


def test_queued_messages_of_a_stopped_subscription_are_not_sent(app: Flask, client: FlaskClient, world: World) -> None:
    family = signed_in(app, client, world.a)
    send(client, family.base + "/subscribe", choices(family))
    subscription = the_subscription(family)
    queued = [*queue_notice(family), *messages_of("welcome")]
    ready_before, _ = checked(queued, utcnow())
    db.session.expire_all()

    send(client, f"{family.base}/{subscription.id}/stop", {"confirm": "y"})
    delivery.deliver(delivery.claim())

    assert sorted(m.kind for m in ready_before) == ["notice", "welcome"]  # both would have gone
    ids = [m.id for m in queued]
    db.session.expire_all()
    after = db.session.scalars(select(Message).where(Message.id.in_(ids)).order_by(Message.id))
    assert sorted((m.kind, m.status) for m in after) == [
        ("notice", MessageStatus.SKIPPED),
        ("welcome", MessageStatus.SKIPPED),
    ]


def test_queued_sms_of_a_dropped_channel_are_not_sent_and_email_goes_on(
    app: Flask, client: FlaskClient, world: World
) -> None:
    family = signed_in(app, client, world.a)
    send(client, family.base + "/subscribe", choices(family))
    subscription = the_subscription(family)
    send(
        client,
        f"{family.base}/{subscription.id}/channels",
        {"sms": "y", "email": "y", "purposes": ["notices_email"], "child_agrees": "y"},
    )
    queued = [*queue_notice(family), *messages_of("welcome")]
    assert sorted((m.kind, m.channel) for m in queued) == [("notice", "email"), ("notice", "sms"), ("welcome", "sms")]

    send(client, f"{family.base}/{subscription.id}/channels", {"email": "y"})
    ready, outcomes = checked(queued, utcnow())

    assert [(m.kind, m.channel) for m in ready] == [("notice", "email")]
    assert {outcomes[m.id].status for m in queued if m.channel == "sms"} == {MessageStatus.SKIPPED}


def test_every_email_to_a_family_ends_with_how_to_stop_and_whom_to_contact(
    app: Flask, client: FlaskClient, world: World
) -> None:
    family = signed_in(app, client, world.a)
    send(client, family.base + "/subscribe", choices(family, email=True, purposes=["notices_email"], sms=False))

    [email] = [m for m in queue_notice(family) if m.channel == "email"]

    footer = email_footer(world.a.school.name, app.config["PORTAL_URL"])
    assert messages_of("welcome") == []  # an email-only subscription has no SMS to say where the portal is
    assert email.body.startswith("Họp phụ huynh") and email.body.endswith(footer)
    assert app.config["PORTAL_URL"] in footer and world.a.school.name in footer


def test_the_welcome_sms_is_written_once_per_guardian_whoever_records_the_subscription(
    app: Flask, client: FlaskClient, world: World
) -> None:
    family = signed_in(app, client, world.a)
    guardian = family.world.guardian
    sister = make_student(world.a, family.world.school_class, "Nguyễn Thị Ba", "790100000033")
    db.session.add(
        StudentGuardian(school_id=world.a.school.id, student_id=sister.id, guardian_id=guardian.id, relation="mother")
    )
    db.session.commit()

    send(client, family.base + "/subscribe", choices(family))
    after_portal = messages_of("welcome")
    staff_subscribe(world.a, guardian, sister, family.plan, school_today())  # on paper, at the school

    [welcome] = messages_of("welcome")
    assert after_portal == [welcome]
    assert welcome.body.startswith("Truong alpha:") and welcome.body.endswith(app.config["PORTAL_URL"])
    assert welcome.segments == 1


def test_the_value_statement_counts_messages_received_the_last_grade_and_what_was_paid(
    app: Flask, client: FlaskClient, world: World
) -> None:
    family = signed_in(app, client, world.a)
    send(client, family.base + "/subscribe", choices(family))
    [welcome] = messages_of("welcome")
    welcome.status = MessageStatus.SENT
    semester = family.world.year.semesters[0]
    db.session.add(
        Score(
            school_id=world.a.school.id,
            class_id=family.world.school_class.id,
            student_id=family.world.student.id,
            subject_id=family.world.subject.id,
            semester_id=semester.id,
            column="tx1",
            value=Decimal("8.5"),
            published_at=utcnow(),
        )
    )
    db.session.commit()

    page = client.get(family.base + "/").get_data(as_text=True)

    statement = page.split('data-test="statement"')[1]
    messages = statement.split('data-test="messages"')[1].split("</dd>")[0]
    grade = statement.split('data-test="last-grade"')[1].split("</dd>")[0]
    assert "1" in messages and "Toán" in grade and "8,5" in grade
    assert db.session.scalar(select(Message.id).where(Message.kind == "welcome")) == welcome.id
    assert services.settings_of(world.a.school).enabled


def test_a_daily_digest_by_email_ends_with_how_to_stop_too(app: Flask, client: FlaskClient, world: World) -> None:
    family = signed_in(app, client, world.a)
    form = choices(family, email=True, sms=False, purposes=["notices_email"]) | {"delivery": "digest"}
    send(client, family.base + "/subscribe", form)
    [item] = queue_notice(family)
    digest = db.session.get(Message, item.digest_id)
    assert digest is not None and digest.next_attempt_at is not None
    due = digest.next_attempt_at

    with mock.patch("contactbook.messaging.services.delivery.utcnow", lambda: due):
        delivery.deliver(delivery.claim(now=due))

    [sent] = [m for m in recent(app.config["REDIS_URL"]) if m["channel"] == "email"]
    footer = email_footer(world.a.school.name, app.config["PORTAL_URL"])
    assert "Họp phụ huynh" in sent["body"] and sent["body"].endswith(footer)
