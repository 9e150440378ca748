"""Helpers of the family self-service tests: a school with the service on and a monthly plan, and the pages' forms."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from contactbook.extensions import db
from contactbook.models import AuditLog, Message, Plan, ServiceSettings, Subscription
from contactbook.subscriptions import services
from tests.factories import SchoolPeople, csrf_token
from tests.family.support import sign_in_family
from tests.roster.factories import ClassWorld, make_class_world
from tests.subscriptions.payment_factories import monthly_plan

PHONE = "+84912345678"  # the mother of make_class_world's student


@dataclass
class Family:
    """School alpha's class world, its monthly plan (SMS and email, 20.000 đ), and the mother signed in."""

    people: SchoolPeople
    world: ClassWorld
    plan: Plan
    account_id: int  # the family's account (families.id), which the audit rows name

    @property
    def base(self) -> str:
        return f"/family/children/{self.world.student.id}/service"


def open_service(
    people: SchoolPeople, *, enabled: bool = True, quiet_hours_off: bool = True
) -> tuple[ClassWorld, Plan]:
    """The class world of `people`'s school with the service switched on (or not) and a monthly plan."""
    world = make_class_world(people)
    services.set_service_enabled(people.school, people.admin, True)
    plan = monthly_plan(people)
    settings = db.session.get(ServiceSettings, people.school.id)
    assert settings is not None
    if quiet_hours_off:  # so that what the tests queue is due whatever the time of day
        settings.quiet_end_hour, settings.quiet_start_hour = 0, 24
    db.session.commit()
    if not enabled:
        services.set_service_enabled(people.school, people.admin, False)
    return world, plan


def signed_in(app: Flask, client: FlaskClient, people: SchoolPeople, **options: bool) -> Family:
    world, plan = open_service(people, **options)
    account = sign_in_family(app, client, phone=PHONE)
    return Family(people, world, plan, account.id)


def send(client: FlaskClient, url: str, data: dict[str, str | list[str]] | None = None) -> TestResponse:
    """Submit a form as a browser would, with the session's CSRF token."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)})


def choices(
    family: Family,
    *,
    purposes: Iterable[str] = ("grades_sms", "notices_sms"),
    sms: bool = True,
    email: bool = False,
    child_agrees: bool = True,
    confirmed: str | None = "1",
) -> dict[str, str | list[str]]:
    """The subscribe form as the family fills it in (confirmed, by default)."""
    data: dict[str, str | list[str]] = {
        "plan_id": str(family.plan.id),
        "delivery": "instant",
        "purposes": list(purposes),
        "given_by": "Trần Thị Bình",
    }
    if sms:
        data["sms"] = "y"
    if email:
        data["email"] = "y"
    if child_agrees:
        data["child_agrees"] = "y"
    if confirmed is not None:
        data["confirmed"] = confirmed
    return data


def subscriptions_of(family: Family) -> list[Subscription]:
    return subscriptions_of_child(family.world.student.id)


def subscriptions_of_child(student_id: int) -> list[Subscription]:
    return list(db.session.scalars(select(Subscription).where(Subscription.student_id == student_id)))


def the_subscription(family: Family) -> Subscription:
    [subscription] = subscriptions_of(family)
    db.session.refresh(subscription)
    return subscription


def audit_rows(action: str) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def messages_of(kind: str) -> list[Message]:
    return list(db.session.scalars(select(Message).where(Message.kind == kind).order_by(Message.id)))
