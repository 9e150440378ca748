"""Sections of a family's copy: its guardian records, children, classes, subscriptions, consents, payments."""

from __future__ import annotations

from sqlalchemy import select

from contactbook.data_requests.holder import Holder, Row
from contactbook.extensions import db
from contactbook.models import (
    Consent,
    ConsentPurpose,
    Enrolment,
    Guardian,
    Payment,
    Plan,
    SchoolClass,
    SchoolYear,
    Student,
    StudentGuardian,
    Subscription,
)


def guardians(h: Holder) -> list[Row]:
    """The family's guardian records: names, numbers, addresses."""
    rows = db.session.scalars(select(Guardian).where(Guardian.id.in_(h.guardian_ids)).order_by(Guardian.id))
    return [
        {
            "id": g.id,
            "full_name": g.full_name,
            "phone": g.phone,
            "email": g.email,
            "phone_unusable_since": g.phone_unusable_at,
            "email_unusable_since": g.email_unusable_at,
            "recorded_at": g.created_at,
        }
        for g in rows
    ]


def students(h: Holder) -> list[Row]:
    """The children linked to the family's guardian records, with the relation."""
    rows = db.session.execute(
        select(Student, StudentGuardian.guardian_id, StudentGuardian.relation)
        .join(StudentGuardian, StudentGuardian.student_id == Student.id)
        .where(Student.id.in_(h.student_ids), StudentGuardian.guardian_id.in_(h.guardian_ids))
        .order_by(Student.id, StudentGuardian.guardian_id)
    ).tuples()
    return [
        {
            "id": s.id,
            "national_id": s.national_id,
            "full_name": s.full_name,
            "date_of_birth": s.date_of_birth,
            "gender": s.gender,
            "guardian_id": guardian_id,
            "relation": relation,
        }
        for s, guardian_id, relation in rows
    ]


def enrolments(h: Holder) -> list[Row]:
    """The children's classes, year by year."""
    rows = db.session.execute(
        select(Enrolment, SchoolYear.name, SchoolClass.name)
        .join(SchoolYear, SchoolYear.id == Enrolment.school_year_id)
        .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .where(Enrolment.student_id.in_(h.student_ids))
        .order_by(Enrolment.student_id, SchoolYear.starts_on)
    ).tuples()
    return [
        {"student_id": e.student_id, "school_year": year, "class": name, "status": e.status, "left_at": e.left_at}
        for e, year, name in rows
    ]


def subscription_ids(h: Holder) -> list[int]:
    """The ids of the family's subscriptions."""
    return list(db.session.scalars(select(Subscription.id).where(Subscription.guardian_id.in_(h.guardian_ids))))


def subscriptions(h: Holder) -> list[Row]:
    """The family's subscriptions to the paid service."""
    rows = db.session.execute(
        select(Subscription, Plan.name)
        .join(Plan, Plan.id == Subscription.plan_id)
        .where(Subscription.guardian_id.in_(h.guardian_ids))
        .order_by(Subscription.id)
    ).tuples()
    return [
        {
            "id": s.id,
            "guardian_id": s.guardian_id,
            "student_id": s.student_id,
            "plan": plan,
            "sms": s.sms,
            "email": s.email,
            "daily_digest": s.digest,
            "starts_on": s.starts_on,
            "ends_on": s.ends_on,
            "price": s.price,
            "charge": s.charge,
            "status": s.status,
            "exempt": s.exempt,
            "exemption_reason": s.exemption_reason,
            "cancelled_on": s.cancelled_on,
            "cancel_reason": s.cancel_reason,
            "recorded_at": s.created_at,
        }
        for s, plan in rows
    ]


def consents(h: Holder) -> list[Row]:
    """Each consent purpose given for the family's subscriptions, and its withdrawal."""
    rows = db.session.execute(
        select(Consent, ConsentPurpose)
        .join(ConsentPurpose, ConsentPurpose.consent_id == Consent.id)
        .where(Consent.subscription_id.in_(subscription_ids(h)))
        .order_by(Consent.id, ConsentPurpose.id)
    ).tuples()
    return [
        {
            "subscription_id": c.subscription_id,
            "given_by": c.given_by,
            "method": c.method,
            "given_at": c.given_at,
            "child_consent": c.child_consent,
            "purpose": p.purpose,
            "withdrawn_at": p.withdrawn_at,
        }
        for c, p in rows
    ]


def payments(h: Holder) -> list[Row]:
    """The family's payments and refunds with their receipt numbers."""
    rows = db.session.scalars(
        select(Payment).where(Payment.guardian_id.in_(h.guardian_ids)).order_by(Payment.paid_on, Payment.id)
    )
    return [
        {
            "receipt_no": p.receipt_no,
            "kind": p.kind,
            "method": p.method,
            "amount": p.amount,
            "paid_on": p.paid_on,
            "payer": p.payer,
            "reference": p.reference,
            "subscription_id": p.subscription_id,
            "recorded_at": p.created_at,
        }
        for p in rows
    ]
