"""What the service pages list: subscriptions with their families, plans, and who did what. Read only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from contactbook.extensions import db
from contactbook.models import (
    Consent,
    Enrolment,
    Plan,
    School,
    Student,
    StudentGuardian,
    Subscription,
    SubscriptionStatus,
    User,
)
from contactbook.roster.queries import enrolments_in_year
from contactbook.roster.rules import fold
from contactbook.roster.services import current_year

PAGE_SIZE = 50


@dataclass(frozen=True)
class SubscriptionPage:
    """One page of a school's subscriptions (newest first), with each student's class this year."""

    subscriptions: list[Subscription]
    classes: dict[int, Enrolment]
    page: int
    total: int

    @property
    def has_next(self) -> bool:
        return self.page * PAGE_SIZE < self.total


def subscription_page(school: School, status: SubscriptionStatus | None, page: int) -> SubscriptionPage:
    """The school's subscriptions, optionally of one status, `PAGE_SIZE` a page."""
    condition = [Subscription.school_id == school.id]
    if status is not None:
        condition.append(Subscription.status == status)
    total = db.session.scalar(select(func.count(Subscription.id)).where(*condition)) or 0
    rows = list(
        db.session.scalars(
            select(Subscription)
            .where(*condition)
            .options(
                selectinload(Subscription.student),
                selectinload(Subscription.guardian),
                selectinload(Subscription.plan),
            )
            .order_by(Subscription.created_at.desc(), Subscription.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    classes = enrolments_in_year((s.student_id for s in rows), current_year(school))
    return SubscriptionPage(rows, classes, page, int(total))


def plans_of(school: School, *, active_only: bool = False) -> list[Plan]:
    """The school's plans: offered ones first, then by name."""
    query = select(Plan).where(Plan.school_id == school.id)
    if active_only:
        query = query.where(Plan.active.is_(True))
    return sorted(db.session.scalars(query), key=lambda p: (not p.active, fold(p.name), p.id))


def subscriptions_of_family(student: Student, guardian_id: int) -> list[Subscription]:
    """The subscriptions a guardian has for a student, latest first."""
    query = (
        select(Subscription)
        .where(Subscription.student_id == student.id, Subscription.guardian_id == guardian_id)
        .options(selectinload(Subscription.plan))
        .order_by(Subscription.starts_on.desc(), Subscription.id.desc())
    )
    return list(db.session.scalars(query))


def is_guardian_of(student: Student, guardian_id: int) -> bool:
    query = select(StudentGuardian.id).where(
        StudentGuardian.student_id == student.id, StudentGuardian.guardian_id == guardian_id
    )
    return db.session.scalar(query) is not None


def consents_of(subscription: Subscription) -> list[Consent]:
    """The subscription's consents with their purposes, oldest first."""
    query = (
        select(Consent)
        .where(Consent.subscription_id == subscription.id)
        .options(selectinload(Consent.purposes))
        .order_by(Consent.id)
    )
    return list(db.session.scalars(query))


def staff_names(school: School, user_ids: Iterable[int | None]) -> dict[int, str]:
    """Full names of the school's staff with these ids (for "recorded by" lines)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    query = select(User.id, User.full_name).where(User.id.in_(ids), User.school_id == school.id)
    return {user_id: name for user_id, name in db.session.execute(query).tuples()}
