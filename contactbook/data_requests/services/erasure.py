"""The steps of an erasure, each removing or anonymising one kind of record of the family in one school.

What the law lets go goes: the guardians' names, numbers and addresses, their links to the children,
the personal fields of their consents, the addresses and text of their messages, the notices they said they
have read, the words of the leave requests they wrote. What it requires stays: payments and refunds with
their receipts (accounting records, Law on Accounting 88/2015: the payer's name as written on the receipt),
subscriptions as the ground of those payments, message statuses and costs (what the school was billed), and
the audit log.

The children stay pupils of the school, and the school's own records about them stay as they are, as their
scores, term records and attendance marks always have: the erasure is the family's, not the child's school
record. So preschool daily notes (the teacher's record of a child's day, like a score's comment) and early
warnings (figures computed from the marks and published scores, the rows proving each warning went once:
deleting one would send it again at the next run) are kept; what reached the family of them lives in its
messages, whose text goes.

Each step is one function of `Erasure` returning how many rows it changed; `STEPS` lists them in order, so a
new kind of record joins the erasure with one function. The steps write into the unit of work of the service
that calls them (`answering.carry_out_erasure`), which commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, delete, select, update

from contactbook.audit import services as audit
from contactbook.data_requests.rules import ERASED_NAME, ERASED_TEXT
from contactbook.extensions import db
from contactbook.models import (
    Consent,
    ConsentPurpose,
    Guardian,
    LeaveRequest,
    Message,
    MessageStatus,
    NoticeRead,
    School,
    StudentGuardian,
    Subscription,
    SubscriptionStatus,
    User,
)
from contactbook.subscriptions import rules as subscription_rules
from contactbook.subscriptions.eligibility import net_paid

ERASED_REASON = "the family's data was erased at its request"


@dataclass(frozen=True)
class Erasure:
    """One erasure at work: whose records, in which school, by whom, when."""

    school: School
    actor: User
    guardian_ids: tuple[int, ...]
    now: datetime
    today: date  # school-local


def stop_subscriptions(e: Erasure) -> int:
    """Running subscriptions stop today, as an opt-out would: consent withdrawn, charged for the days used."""
    running = db.session.scalars(
        select(Subscription).where(
            Subscription.school_id == e.school.id,
            Subscription.guardian_id.in_(e.guardian_ids),
            Subscription.status == SubscriptionStatus.ACTIVE,
        )
    ).all()
    paid = net_paid(s.id for s in running)
    for subscription in running:
        stop_on = min(max(e.today, subscription.starts_on), subscription.ends_on)
        quote = subscription_rules.pro_rata(
            subscription.charge, paid.get(subscription.id, 0), subscription.starts_on, subscription.ends_on, stop_on
        )
        subscription.status = SubscriptionStatus.CANCELLED
        subscription.cancelled_on = stop_on
        subscription.charge = quote.used_charge
        audit.record(
            "subscription.cancelled",
            actor=e.actor,
            school_id=e.school.id,
            target=subscription,
            stop_on=stop_on.isoformat(),
            used_charge=quote.used_charge,
            refund_owed=quote.refund,
            reason="erasure",
        )
    return len(running)


def anonymise_consents(e: Erasure) -> int:
    """Consents keep when and how they were given and for what (the ground of past sending), not who gave them;
    every purpose still running is withdrawn."""
    subscriptions = select(Subscription.id).where(
        Subscription.school_id == e.school.id, Subscription.guardian_id.in_(e.guardian_ids)
    )
    consents = select(Consent.id).where(Consent.subscription_id.in_(subscriptions))
    db.session.execute(
        update(ConsentPurpose)
        .where(ConsentPurpose.consent_id.in_(consents), ConsentPurpose.withdrawn_at.is_(None))
        .values(withdrawn_at=e.now)
    )
    result = db.session.execute(
        update(Consent).where(Consent.id.in_(consents)).values(given_by=ERASED_NAME).returning(Consent.id)
    )
    return len(result.all())


def anonymise_messages(e: Erasure) -> int:
    """Messages keep their status and cost, not their address or text; those not yet sent never will be."""
    mine = (Message.school_id == e.school.id, Message.guardian_id.in_(e.guardian_ids))
    db.session.execute(
        update(Message)
        .where(*mine, Message.status.in_([MessageStatus.QUEUED, MessageStatus.CLAIMED]))
        .values(status=MessageStatus.SKIPPED, error=ERASED_REASON)
    )
    result = db.session.execute(
        update(Message).where(*mine).values(to_address="", subject=None, body="").returning(Message.id)
    )
    return len(result.all())


def remove_notice_reads(e: Erasure) -> int:
    """Which notices the family said it has read goes: it is nobody's record but the family's."""
    result = db.session.execute(
        delete(NoticeRead)
        .where(NoticeRead.school_id == e.school.id, NoticeRead.guardian_id.in_(e.guardian_ids))
        .returning(NoticeRead.id)
    )
    return len(result.all())


def anonymise_leave_requests(e: Erasure) -> int:
    """The family's leave requests keep their child, days, slots and status, not their words or who asked.

    Anonymised rather than deleted, as messages are: attendance marks point to the request that excused them
    (`leave_request_id`), and an approved request keeps excusing the days it covers (`approved_cover`), so the
    child's absences keep their ground and no "your child is absent" alert goes for a day the family reported.
    The reason (the family's words) and the school's note answering it become a neutral "—"; the link to the
    guardian record goes. A request still waiting can still be decided; the decision reaches only the guardians
    still linked to the child. Requests staff entered (no guardian) are the school's record and stay.
    """
    result = db.session.execute(
        update(LeaveRequest)
        .where(LeaveRequest.school_id == e.school.id, LeaveRequest.guardian_id.in_(e.guardian_ids))
        .values(
            reason=ERASED_TEXT,
            decision_note=case((LeaveRequest.decision_note.is_(None), None), else_=ERASED_TEXT),
            guardian_id=None,
        )
        .returning(LeaveRequest.id)
    )
    return len(result.all())


def unlink_children(e: Erasure) -> int:
    """The guardians are no longer linked to the children: the family's portal no longer shows them."""
    result = db.session.execute(
        delete(StudentGuardian)
        .where(StudentGuardian.school_id == e.school.id, StudentGuardian.guardian_id.in_(e.guardian_ids))
        .returning(StudentGuardian.id)
    )
    return len(result.all())


def anonymise_guardians(e: Erasure) -> int:
    """The guardian records stay (payments point to them) without a name, number or address: no message can
    reach them, and the family's number no longer finds them."""
    result = db.session.execute(
        update(Guardian)
        .where(Guardian.school_id == e.school.id, Guardian.id.in_(e.guardian_ids))
        .values(full_name=ERASED_NAME, phone=None, email=None, phone_unusable_at=e.now, email_unusable_at=e.now)
        .returning(Guardian.id)
    )
    return len(result.all())


STEPS: list[tuple[str, Callable[[Erasure], int]]] = [
    ("subscriptions_stopped", stop_subscriptions),
    ("consents_anonymised", anonymise_consents),
    ("messages_anonymised", anonymise_messages),
    ("notice_reads_removed", remove_notice_reads),
    ("leave_requests_anonymised", anonymise_leave_requests),
    ("children_unlinked", unlink_children),
    ("guardians_anonymised", anonymise_guardians),
]


def erase(e: Erasure) -> dict[str, int]:
    """Run every step in order, in the caller's unit of work; how many rows each changed."""
    return {name: step(e) for name, step in STEPS}
