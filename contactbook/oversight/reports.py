"""What an authority officer sees of the schools below it: one line per school, rolled up per authority. Read only.

Aggregates only: each school's rows are read under its own scope (`school_scope`) with count and sum
queries, and nothing here returns a student, a guardian, a phone number or an address they wrote. The
campaign tables (invitations, registrations) belong to the authority and are read directly; of a
registration only its survey answers (about the school's website) reach the page.

What the figures mean:
- The school year of the dashboard is the one under way on `today` (from August on, the year starting then):
  the platform fee is that year's; uptake and family fees are those of each school's current year, as on
  the service's own authority page (`subscriptions.reports.authority_overview`).
- Messages sent: those the provider accepted (sent, delivered or not delivered), by the school-local month of
  their sending, with their cost.
- Family fees due: what the year's subscriptions charge; collected: payments less refunds for them.
- Not registered: each school invited (by any campaign, any number of times) none of whose invitations was
  approved, once: its invitations are matched by email address, else by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select

from contactbook.campaigns.rules import school_key
from contactbook.extensions import db
from contactbook.models import (
    Authority,
    CampaignInvitation,
    PlatformFee,
    RegistrationCampaign,
    RegistrationStatus,
    School,
    SchoolLevel,
    SchoolRegistration,
    SchoolStatus,
    SchoolYear,
    Subscription,
)
from contactbook.oversight.months import FIRST_MONTH, MonthPoint, Traffic, month_points, traffic
from contactbook.platform.services import authority_subtree_ids
from contactbook.roster.services import current_year
from contactbook.subscriptions.reports import Uptake, authority_overview
from contactbook.tenancy import school_scope


@dataclass(frozen=True)
class Fee:
    """The platform's fee to a school for the dashboard's year."""

    amount: int
    invoiced_on: date | None
    paid_on: date | None


@dataclass(frozen=True)
class Answer:
    """One survey question of the school's registration, and its answer as written."""

    question: str
    answer: Any


@dataclass(frozen=True)
class SchoolLine:
    """One school, in aggregate."""

    school_id: int
    authority_id: int
    name: str
    domain: str
    level: SchoolLevel
    active: bool
    year_name: str | None
    uptake: Uptake
    due: int
    collected: int
    traffic: Traffic  # this month
    fee: Fee | None
    survey: list[Answer]
    registered_via_campaign: bool


@dataclass(frozen=True)
class CampaignRef:
    """A campaign that invited a school: its title and deadline."""

    title: str
    deadline: date


@dataclass(frozen=True)
class InvitationLine:
    """A school invited by one campaign or more, none of its invitations approved: not registered (yet).

    One line per school, however many times it was invited: its invitations are matched by email address and
    name (`school_key`). Its name, level and authority are those of its latest invitation.
    """

    invitation_id: int  # its latest invitation
    authority_id: int
    school_name: str
    level: SchoolLevel
    campaigns: tuple[CampaignRef, ...]  # latest deadline first
    status: RegistrationStatus | None  # the furthest any of its registrations got; None: nothing submitted

    @property
    def deadline(self) -> date:
        """The latest deadline it was invited for."""
        return self.campaigns[0].deadline


@dataclass
class Rollup:
    """The totals of a group of schools (an authority's, or all of them)."""

    authority_id: int | None
    name: str
    own: bool = False  # the officer's authority itself: its schools directly under it
    schools: int = 0
    active: int = 0
    not_registered: int = 0
    uptake: Uptake = field(default_factory=lambda: Uptake(0, 0))
    due: int = 0
    collected: int = 0
    traffic: Traffic = field(default_factory=Traffic)
    fees: int = 0
    fee_amount: int = 0
    invoiced: int = 0
    paid: int = 0

    def add(self, line: SchoolLine) -> None:
        """Count `line` in."""
        self.schools += 1
        self.active += line.active
        self.uptake += line.uptake
        self.due += line.due
        self.collected += line.collected
        self.traffic += line.traffic
        if line.fee is not None:
            self.fees += 1
            self.fee_amount += line.fee.amount
            self.invoiced += line.fee.invoiced_on is not None
            self.paid += line.fee.paid_on is not None


@dataclass(frozen=True)
class Oversight:
    """The officer's dashboard: the schools, the invitations not registered, the rollups and the months."""

    authority_id: int
    authority_name: str
    school_year: str
    today: date
    schools: list[SchoolLine]
    invitations: list[InvitationLine]
    rollups: list[Rollup]
    total: Rollup
    months: list[MonthPoint]


def school_year_of(day: date) -> str:
    """The school year under way on `day`: "2026-2027" from August 2026 to July 2027."""
    first = day.year if day.month >= FIRST_MONTH else day.year - 1
    return f"{first}-{first + 1}"


def _charged(year: SchoolYear) -> int:
    """What the subscriptions of `year` charge the families (đồng)."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(Subscription.charge), 0)).where(
                Subscription.school_id == year.school_id,
                Subscription.starts_on >= year.starts_on,
                Subscription.starts_on <= year.ends_on,
            )
        )
        or 0
    )


def _fee(school_id: int, school_year: str) -> Fee | None:
    row = db.session.scalars(
        select(PlatformFee).where(PlatformFee.school_id == school_id, PlatformFee.school_year == school_year)
    ).first()
    return Fee(row.amount, row.invoiced_on, row.paid_on) if row is not None else None


def _surveys(school_ids: Sequence[int]) -> dict[int, list[Answer]]:
    """The survey answers of the approved registration that created each school (none for the others)."""
    rows = db.session.execute(
        select(SchoolRegistration.created_school_id, SchoolRegistration.survey_answers, RegistrationCampaign.survey)
        .join(RegistrationCampaign, RegistrationCampaign.id == SchoolRegistration.campaign_id)
        .where(
            SchoolRegistration.created_school_id.in_(school_ids),
            SchoolRegistration.status == RegistrationStatus.APPROVED,
        )
    ).tuples()
    surveys: dict[int, list[Answer]] = {}
    for school_id, answers, questions in rows:
        assert school_id is not None  # filtered on it
        answers = dict(answers or {})
        lines = [
            Answer(str(q.get("question") or q.get("key")), answers.pop(str(q.get("key")), None))
            for q in questions or []
            if isinstance(q, dict)
        ]
        lines += [Answer(str(key), value) for key, value in answers.items()]
        surveys[school_id] = lines
    return surveys


def school_lines(schools: Sequence[School], today: date) -> list[SchoolLine]:
    """One line per school: each school's figures read under its own scope, one school at a time."""
    overviews = {line.school_id: line for line in authority_overview(schools, today)}
    surveys = _surveys([school.id for school in schools])
    school_year, month = school_year_of(today), today.replace(day=1)
    lines = []
    for school in schools:
        overview = overviews[school.id]
        with school_scope(school.id):
            year = current_year(school, today)
            lines.append(
                SchoolLine(
                    school_id=school.id,
                    authority_id=school.authority_id,
                    name=school.name,
                    domain=school.domain,
                    level=school.level,
                    active=school.status == SchoolStatus.ACTIVE,
                    year_name=overview.year_name,
                    uptake=overview.uptake,
                    due=_charged(year) if year is not None else 0,
                    collected=overview.revenue,
                    traffic=traffic(school.id, month),
                    fee=_fee(school.id, school_year),
                    survey=surveys.get(school.id, []),
                    registered_via_campaign=school.id in surveys,
                )
            )
    return lines


# Which status a school not registered is shown with when it was invited more than once: the furthest one.
_PROGRESS = {
    None: 0,
    RegistrationStatus.DECLINED: 1,
    RegistrationStatus.CHANGES_REQUESTED: 2,
    RegistrationStatus.SUBMITTED: 3,
}


def invitation_lines(authority_ids: Iterable[int]) -> list[InvitationLine]:
    """The schools invited under these authorities without an approved registration: one line per school."""
    rows = db.session.execute(
        select(CampaignInvitation, RegistrationCampaign.title, RegistrationCampaign.deadline, SchoolRegistration.status)
        .join(RegistrationCampaign, RegistrationCampaign.id == CampaignInvitation.campaign_id)
        .outerjoin(SchoolRegistration, SchoolRegistration.invitation_id == CampaignInvitation.id)
        .where(CampaignInvitation.authority_id.in_(list(authority_ids)))
        .order_by(RegistrationCampaign.deadline.desc(), CampaignInvitation.id.desc())
    ).tuples()
    schools: dict[tuple[str, str], list[tuple[CampaignInvitation, str, date, RegistrationStatus | None]]] = {}
    for row in rows:
        schools.setdefault(school_key(row[0].email, row[0].school_name), []).append(row)
    lines = []
    for invited in schools.values():
        statuses = [status for _, _, _, status in invited]
        if RegistrationStatus.APPROVED in statuses:
            continue  # registered through one of its invitations
        latest = invited[0][0]
        campaigns = tuple(dict.fromkeys(CampaignRef(title, deadline) for _, title, deadline, _ in invited))
        lines.append(
            InvitationLine(
                invitation_id=latest.id,
                authority_id=latest.authority_id,
                school_name=latest.school_name,
                level=latest.level,
                campaigns=campaigns,
                status=max(statuses, key=lambda status: _PROGRESS[status]),
            )
        )
    return sorted(lines, key=lambda line: (-line.deadline.toordinal(), line.school_name, line.invitation_id))


def oversight(authority: Authority, today: date) -> Oversight:
    """The dashboard of `authority`'s officer: every school of its subtree, and nothing of any other."""
    ids = authority_subtree_ids(authority.id)
    schools = db.session.scalars(select(School).where(School.authority_id.in_(ids)).order_by(School.name)).all()
    lines = school_lines(schools, today)
    invitations = invitation_lines(ids)

    children = db.session.scalars(
        select(Authority).where(Authority.parent_id == authority.id).order_by(Authority.name)
    ).all()
    group_of = {authority.id: authority.id}
    for child in children:
        group_of |= dict.fromkeys(authority_subtree_ids(child.id), child.id)
    rollups = {authority.id: Rollup(authority.id, authority.name, own=True)}
    rollups |= {child.id: Rollup(child.id, child.name) for child in children}
    total = Rollup(None, authority.name)
    for line in lines:
        rollups[group_of[line.authority_id]].add(line)
        total.add(line)
    for invitation in invitations:
        rollups[group_of[invitation.authority_id]].not_registered += 1
        total.not_registered += 1
    return Oversight(
        authority_id=authority.id,
        authority_name=authority.name,
        school_year=school_year_of(today),
        today=today,
        schools=lines,
        invitations=invitations,
        rollups=list(rollups.values()),
        total=total,
        months=month_points(schools, today),
    )
