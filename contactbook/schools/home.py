"""A school's home page: the figures a school admin checks, a teacher's classes, the pages a role may open.

The links come from the views' own access rules (`rule_for`), so a role is offered exactly the
pages it may open; `tests/schools/test_home.py` fails for a page of the school that is neither
linked here nor listed in `NOT_LINKED`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select

from contactbook.auth.access import rule_for
from contactbook.auth.rules import Permission
from contactbook.extensions import db
from contactbook.models import (
    Enrolment,
    EnrolmentStatus,
    Message,
    Payment,
    PaymentKind,
    School,
    SchoolClass,
    SchoolYear,
    Subject,
    Subscription,
    SubscriptionStatus,
    TeachingAssignment,
    User,
)
from contactbook.models.base import utcnow
from contactbook.notices.queries import BILLED
from contactbook.subscriptions.reports import _running_on
from contactbook.subscriptions.services import settings_of


@dataclass(frozen=True)
class Link:
    endpoint: str
    label: LazyString


@dataclass(frozen=True)
class Section:
    title: LazyString
    links: tuple[Link, ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        _l("Teaching"),
        (
            Link("notices.compose", _l("Write a notice")),
            Link("notices.list", _l("Notices")),
            Link("grades.index", _l("Grade book")),
            Link("roster.class_list", _l("Classes")),
            Link("roster.student_search", _l("Find a student")),
            Link("attendance.index", _l("Take attendance")),
            Link("early_warnings.at_risk", _l("Students at risk")),
            Link("leave_requests.index", _l("Leave requests")),
            Link("leave_requests.new", _l("Enter a leave request")),
        ),
    ),
    Section(
        _l("Students and classes"),
        (
            Link("roster_import.upload", _l("Import a roster")),
            Link("roster_import.history", _l("Roster imports")),
            Link("roster.year_list", _l("School years")),
            Link("roster.class_new", _l("New class")),
            Link("roster.subject_list", _l("Subjects")),
            Link("roster.assignment_list", _l("Teaching assignments")),
            Link("attendance_settings.edit", _l("Attendance settings")),
        ),
    ),
    Section(
        _l("Paid service"),
        (
            Link("subscriptions.settings", _l("Paid service settings")),
            Link("subscriptions.messaging_settings", _l("Message settings")),
            Link("subscriptions.plans", _l("Plans")),
            Link("subscriptions.subscription_list", _l("Subscriptions")),
            Link("subscriptions.new", _l("Record a consent form")),
            Link("payments.families", _l("Family accounts")),
            Link("payments.unpaid", _l("Unpaid subscriptions")),
            Link("reports.overview", _l("Service report")),
        ),
    ),
    Section(
        _l("Staff"),
        (
            Link("schools.staff_list", _l("Staff")),
            Link("schools.staff_new", _l("New staff account")),
            Link("audit.log", _l("Audit log")),
            Link("data_requests.request_list", _l("Families' data requests")),
        ),
    ),
    Section(_l("School"), (Link("public_site.manage", _l("Public page and contact details")),)),
    Section(
        _l("Your account"),
        (
            Link("auth.change_password", _l("Change password")),
            Link("accounts.school_two_factor", _l("Two-factor sign-in")),
        ),
    ),
)
# Pages of the school without parameters that are reached from another page, not from the home page.
# Preschools' daily notes are linked from the header of a preschool's pages only (other schools answer 404).
# The public page is the school's domain root, open to anyone; a new announcement is posted from its administration.
# The forgotten-password page and the login's second step are reached from the login page.
# A school's paths to the families' portal only send families to it, on the main domain.
NOT_LINKED = frozenset(
    {
        "schools.dashboard",
        "auth.school_login",
        "roster_import.template",
        "reports.export",
        "daily_notes.index",
        "public_site.home",
        "public_site.announcement_new",
        "accounts.school_forgot",
        "accounts.school_login_code",
        "family_entrances.school_family",
        "family_entrances.school_portal",
    }
)


def may_open(endpoint: str, permissions: frozenset[Permission]) -> bool:
    """Whether staff holding `permissions` pass the access rule of the view behind `endpoint`."""
    rule = rule_for(endpoint)
    return rule is not None and rule.kind == "school" and (rule.permission is None or rule.permission in permissions)


def sections_for(permissions: frozenset[Permission]) -> list[Section]:
    """The home page's sections with only the links `permissions` may open (empty sections left out)."""
    shown = (Section(s.title, tuple(x for x in s.links if may_open(x.endpoint, permissions))) for s in SECTIONS)
    return [section for section in shown if section.links]


@dataclass(frozen=True)
class Figures:
    """The school's figures of the day; money in đồng."""

    students: int
    families_subscribed: int
    messages_sent: int
    messages_cost: int
    unpaid_families: int
    unpaid_amount: int


def school_figures(school: School, year: SchoolYear | None, today: date, zone: ZoneInfo) -> Figures:
    """Active students of `year`, families with a running subscription, this month's messages and their cost
    (local month), and the families flagged unpaid with what they owe; each an aggregate over the school."""
    students: int | None = 0
    if year is not None:
        students = db.session.scalar(
            select(func.count(Enrolment.id)).where(
                Enrolment.school_id == school.id,
                Enrolment.school_year_id == year.id,
                Enrolment.status == EnrolmentStatus.ACTIVE,
            )
        )
    subscribed = db.session.scalar(
        select(func.count(func.distinct(Subscription.guardian_id))).where(
            Subscription.school_id == school.id, Subscription.status == SubscriptionStatus.ACTIVE, *_running_on(today)
        )
    )
    month_start = datetime.now(zone).replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    sent, cost = db.session.execute(
        select(func.count(Message.id), func.coalesce(func.sum(Message.cost), 0)).where(
            Message.school_id == school.id,
            Message.status.in_(BILLED),
            func.coalesce(Message.sent_at, Message.created_at) >= month_start,
            func.coalesce(Message.sent_at, Message.created_at) <= utcnow(),
        )
    ).one()
    unpaid_families, unpaid_amount = _unpaid(school, today)
    return Figures(int(students or 0), int(subscribed or 0), int(sent), int(cost), unpaid_families, unpaid_amount)


def _unpaid(school: School, today: date) -> tuple[int, int]:
    """Families flagged unpaid (as on the unpaid page) and the sum still due on their flagged subscriptions."""
    paid = (
        select(
            Payment.subscription_id.label("subscription_id"),
            func.sum(case((Payment.kind == PaymentKind.PAYMENT, Payment.amount), else_=-Payment.amount)).label("net"),
        )
        .where(Payment.school_id == school.id, Payment.subscription_id.is_not(None))
        .group_by(Payment.subscription_id)
        .subquery()
    )
    due = Subscription.charge - func.coalesce(paid.c.net, 0)
    days = settings_of(school).unpaid_flag_days
    families, amount = db.session.execute(
        select(func.count(func.distinct(Subscription.guardian_id)), func.coalesce(func.sum(due), 0))
        .select_from(Subscription)
        .outerjoin(paid, paid.c.subscription_id == Subscription.id)
        .where(
            Subscription.school_id == school.id,
            Subscription.status == SubscriptionStatus.ACTIVE,
            Subscription.exempt.is_(False),
            Subscription.starts_on <= today - timedelta(days=days),
            due > 0,
        )
    ).one()
    return int(families), int(amount)


@dataclass
class MyClass:
    """A class the user teaches or leads this year, with the subjects it teaches there."""

    school_class: SchoolClass
    homeroom: bool = False
    subjects: list[Subject] = field(default_factory=list)


def my_classes(school: School, user: User, year: SchoolYear | None) -> list[MyClass]:
    """The classes of `year` that `user` leads or teaches (its own, even when it may see every class)."""
    if year is None:
        return []
    taught = select(TeachingAssignment.class_id).where(TeachingAssignment.teacher_id == user.id)
    classes = db.session.scalars(
        select(SchoolClass)
        .where(
            SchoolClass.school_id == school.id,
            SchoolClass.school_year_id == year.id,
            or_(SchoolClass.homeroom_teacher_id == user.id, SchoolClass.id.in_(taught)),
        )
        .order_by(SchoolClass.grade_level, SchoolClass.name)
    ).all()
    mine = {c.id: MyClass(c, homeroom=c.homeroom_teacher_id == user.id) for c in classes}
    rows = db.session.execute(
        select(TeachingAssignment.class_id, Subject)
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .where(TeachingAssignment.teacher_id == user.id, TeachingAssignment.class_id.in_(list(mine)))
        .order_by(Subject.name)
    ).tuples()
    for class_id, subject in rows:
        mine[class_id].subjects.append(subject)
    return list(mine.values())
