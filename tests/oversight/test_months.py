"""The dashboard's months: the same figures as counting each month of each school on its own, in a number of
statements that does not grow with the months."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.models import School, SchoolYear, Subscription
from contactbook.oversight.months import MonthPoint, Traffic, month_points, traffic, year_months
from contactbook.subscriptions.reports import Uptake, class_uptake
from contactbook.tenancy import school_scope
from tests.factories import World
from tests.oversight.factories import Oversight, make_oversight
from tests.support import sql_statements

LAST_DAY_OF_YEAR = date(2026, 7, 31)


@pytest.fixture
def small(world: World) -> Oversight:
    return make_oversight(world)


def month_by_month(schools: Sequence[School], today: date) -> list[MonthPoint]:
    """The figures as the dashboard first counted them: each school, each month, on its own."""
    points = []
    for month in year_months(today):
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        on = date.fromordinal(min(following.toordinal() - 1, today.toordinal()))
        uptake, sent = Uptake(0, 0), Traffic()
        for school in schools:
            with school_scope(school.id):
                year = db.session.scalars(
                    select(SchoolYear).where(
                        SchoolYear.school_id == school.id, SchoolYear.starts_on <= on, SchoolYear.ends_on >= on
                    )
                ).first()
                if year is not None:
                    uptake += sum(class_uptake(year, on).values(), Uptake(0, 0))
                sent += traffic(school.id, month)
        points.append(MonthPoint(month, uptake, sent))
    return points


def schools_of(small: Oversight) -> list[School]:
    return [small.world.a.school, small.world.b.school, small.gamma.school]


@pytest.mark.parametrize("today", [date(2025, 9, 30), date(2025, 12, 10), date(2026, 2, 9), LAST_DAY_OF_YEAR])
def test_the_months_are_those_of_each_school_and_month_counted_on_its_own(small: Oversight, today: date) -> None:
    world = small.world
    with school_scope(world.a.school.id):
        first = db.session.scalars(
            select(Subscription).where(Subscription.school_id == world.a.school.id).order_by(Subscription.id)
        ).first()
        assert first is not None
        first.cancelled_on = date(2026, 1, 31)  # an opt-out: running on 31/1, not on 28/2
        db.session.commit()
    schools = schools_of(small)

    points = month_points(schools, today)

    assert points == month_by_month(schools, today)
    assert any(point.uptake.subscribed for point in points) or today.month == 9


def statements_of(app: Flask, schools: Sequence[School], today: date) -> int:
    """How many SQL statements the months of `schools` take on `today`."""
    with sql_statements(app) as statements:
        month_points(schools, today)
    return len(statements)


def test_the_months_take_the_same_statements_for_two_months_or_twelve(app: Flask, small: Oversight) -> None:
    schools = schools_of(small)
    month_points(schools, LAST_DAY_OF_YEAR)  # the schools' rows loaded once: only the months' statements counted

    two, five, twelve = (
        statements_of(app, schools, day) for day in (date(2025, 9, 20), date(2025, 12, 10), LAST_DAY_OF_YEAR)
    )
    one_school = statements_of(app, schools[:1], LAST_DAY_OF_YEAR)

    assert len(year_months(LAST_DAY_OF_YEAR)) == 12
    assert two == five == twelve, (two, five, twelve)
    assert twelve == 3 * one_school  # a fixed number per school
    assert one_school <= 8, one_school
