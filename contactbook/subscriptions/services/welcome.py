"""The welcome SMS: the first SMS after a guardian subscribes says where the families' portal is.

Once per guardian record: its outbox key names the guardian, and a guardian who was welcomed before (for
another child, or an earlier period) is not welcomed again. Like a renewal reminder it is about the family's
own contract: it goes while the subscription runs and still carries SMS, whatever the consent purposes say
(`contactbook.messaging.services.checks`). Statements only: `subscribing.subscribe` commits it with the subscription.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.messaging.render import render_message
from contactbook.messaging.services.outbox import Outbox, Recipient
from contactbook.messaging.text import sms_segments
from contactbook.messaging.vocabulary import Channel
from contactbook.models import Message, School, Subscription
from contactbook.roster.rules import given_name
from contactbook.subscriptions.eligibility import WELCOME, settings_of

KIND = WELCOME


def welcome_key(guardian_id: int) -> str:
    """The outbox key of a guardian's welcome: one per guardian record, ever."""
    return f"{KIND}:{guardian_id}"


def queue_welcome(school: School, subscription: Subscription, now: datetime) -> bool:
    """Write the welcome SMS of the subscription's guardian, unless it has no SMS or was welcomed before."""
    guardian, student = subscription.guardian, subscription.student
    if not subscription.sms or not guardian.phone or guardian.phone_unusable_at is not None:
        return False
    key = welcome_key(guardian.id)
    if db.session.scalar(select(Message.id).where(Message.school_id == school.id, Message.dedupe_key == key)):
        return False
    context = {
        "school": school.name,
        "student": given_name(student.full_name),
        "portal": current_app.config["PORTAL_URL"],
    }
    body = render_message(KIND, "vi", context, unaccented=settings_of(school).sms_unaccented)
    outbox = Outbox(school, kind=KIND, category=KIND, now=now)
    recipient = Recipient(
        guardian_id=guardian.id,
        guardian_name=guardian.full_name,
        student_id=student.id,
        student_name=student.full_name,
        address=guardian.phone,
        channel=Channel.SMS,
        digest=False,  # about the contract, not the day's news: never held for the digest
    )
    outbox.add(recipient, key=key, body=body, segments=sms_segments(body)[1], subscription_id=subscription.id)
    outbox.write()
    return True
