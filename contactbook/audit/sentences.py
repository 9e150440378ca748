"""Each audit row as a sentence in the page's language: who did what to whom, with labels, never codes.

`SENTENCES` has one entry per action the code records; `tests/auth/test_audit.py` fails for an
action recorded somewhere without one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import LazyString, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from contactbook.attendance.labels import unit_label
from contactbook.auth.labels import permission_label, role_label
from contactbook.extensions import db
from contactbook.models import (
    AuditLog,
    Authority,
    Notice,
    Payment,
    Plan,
    RosterImport,
    School,
    SchoolClass,
    SchoolYear,
    Student,
    Subject,
    Subscription,
    User,
)
from contactbook.subscriptions.banks import bank_name
from contactbook.subscriptions.labels import category_label, consent_method_label, period_label, purpose_label, vnd

# How each kind of target (and each id in the details) is named.
NAMED: dict[str, tuple[type[Any], Any]] = {
    "User": (User, User.full_name),
    "School": (School, School.name),
    "Authority": (Authority, Authority.name),
    "SchoolYear": (SchoolYear, SchoolYear.name),
    "SchoolClass": (SchoolClass, SchoolClass.name),
    "Subject": (Subject, Subject.name),
    "Plan": (Plan, Plan.name),
    "Notice": (Notice, Notice.title),
    "RosterImport": (RosterImport, RosterImport.filename),
}
DETAIL_IDS = {"teacher_id": "User", "subject_id": "Subject", "class_id": "SchoolClass", "plan_id": "Plan"}


@dataclass
class Entry:
    """One audit row and the names it refers to, formatted for a sentence."""

    row: AuditLog
    names: dict[tuple[str, int], str]
    students: dict[tuple[str, int], str]

    def get(self, key: str, default: Any = None) -> Any:
        return self.row.details.get(key, default)

    @property
    def actor(self) -> str:
        if self.row.actor:
            return self.row.actor.full_name
        return _("The family, in its portal,") if self.get("by_family") else _("The system")

    @property
    def target(self) -> str:
        key = (self.row.target_type or "", self.row.target_id or 0)
        return self.names.get(key) or self.students.get(key) or "—"

    @property
    def student(self) -> str:
        subscription_id = self.get("subscription_id")
        if subscription_id is not None:
            return self.students.get(("Subscription", int(subscription_id)), "—")
        return self.students.get((self.row.target_type or "", self.row.target_id or 0), "—")

    def named(self, key: str) -> str:
        value = self.get(key)
        return self.names.get((DETAIL_IDS[key], int(value)), "—") if value is not None else "—"

    def money(self, key: str) -> str:
        return vnd(self.get(key))

    def day(self, key: str) -> str:
        value = self.get(key)
        return format_date(date.fromisoformat(value), "dd/MM/yyyy") if value else "—"

    def hour(self, key: str) -> str:
        value = self.get(key)
        return "—" if value is None else f"{int(value):02d}:00"

    def text(self, key: str) -> str:
        value = self.get(key)
        return "—" if value in (None, "") else str(value)


# A grant or revoke of a role or of a single permission; each sentence uses the label it needs.
GRANT_SENTENCES: dict[tuple[str, str], LazyString] = {
    ("grant", "role"): _l("%(actor)s gave %(target)s the role %(role)s."),
    ("grant", "permission"): _l("%(actor)s gave %(target)s the permission “%(permission)s”."),
    ("revoke", "role"): _l("%(actor)s took the role %(role)s from %(target)s."),
    ("revoke", "permission"): _l("%(actor)s took the permission “%(permission)s” from %(target)s."),
}


PLACEHOLDER = re.compile(r"%\((\w+)\)s")
OWN = ("actor", "target", "student")


def _filled(sentence: LazyString, e: Entry) -> str:
    """A plain sentence in the page's language, its placeholders filled: `actor`, `target` and `student` from
    the entry, any other from the detail of the same name."""
    text = str(sentence)
    values = {name: getattr(e, name) if name in OWN else e.text(name) for name in PLACEHOLDER.findall(text)}
    return text % values if values else text


def _in_sentence(label: str) -> str:
    """A label inside a sentence: its first letter small ("Grades by SMS" in "… for grades by SMS")."""
    return label[:1].lower() + label[1:]


def _grant_or_revoke(e: Entry) -> str:
    kind = "role" if e.get("kind") == "role" else "permission"
    name = e.text("name")
    labels = {"role": role_label(name), "permission": permission_label(name)}
    return str(GRANT_SENTENCES[(e.row.action, kind)]) % {"actor": e.actor, "target": e.target, **labels}


def _homeroom(e: Entry) -> str:
    if e.get("teacher_id") is None:
        return _("%(actor)s left class %(class)s without a homeroom teacher.", actor=e.actor, **{"class": e.target})
    return _(
        "%(actor)s made %(teacher)s the homeroom teacher of class %(class)s.",
        actor=e.actor,
        teacher=e.named("teacher_id"),
        **{"class": e.target},
    )


def _settings(e: Entry) -> str:
    free = ", ".join(_in_sentence(category_label(c)) for c in e.get("free_categories", [])) or _("none")
    return _(
        "%(actor)s changed the paid service settings: free for every family: %(free)s; the service may start "
        "before payment: %(unpaid_start)s; unpaid flagged after %(days)s days; renewal reminder %(reminder)s "
        "days before the end.",
        actor=e.actor,
        free=free,
        unpaid_start=_("yes") if e.get("allow_unpaid_start") else _("no"),
        days=e.text("unpaid_flag_days"),
        reminder=e.text("reminder_days"),
    )


def _bank_account(e: Entry) -> str:
    if not e.get("account_number"):
        return _("%(actor)s removed the school's bank account for family payments.", actor=e.actor)
    return _(
        "%(actor)s set the school's bank account for family payments: %(bank)s, account %(number)s, %(name)s.",
        actor=e.actor,
        bank=bank_name(e.text("bank_bin")),
        number=e.text("account_number"),
        name=e.text("account_name"),
    )


def _ceiling(e: Entry) -> str:
    if e.get("max_price") is None:
        return _(
            "%(actor)s removed the price ceiling per %(period)s.", actor=e.actor, period=period_label(e.text("period"))
        )
    return _(
        "%(actor)s set the price ceiling per %(period)s to %(price)s.",
        actor=e.actor,
        period=period_label(e.text("period")),
        price=e.money("max_price"),
    )


def _subscribed(e: Entry) -> str:
    return _(
        "%(actor)s recorded a subscription for %(student)s (plan %(plan)s) for %(purposes)s, by %(method)s.",
        actor=e.actor,
        student=e.student,
        plan=e.named("plan_id"),
        purposes=", ".join(_in_sentence(purpose_label(p)) for p in e.get("purposes", [])) or _("none"),
        method=_in_sentence(consent_method_label(e.text("method"))),
    )


# A plain sentence (a lazy string) is filled in by `_filled`; a sentence that needs labels, names, dates or
# amounts, or chooses between wordings, is a function of the entry.
SENTENCES: dict[str, LazyString | Callable[[Entry], str]] = {
    "login": _l("%(actor)s signed in."),
    "login.failed": lambda e: _("Failed sign-in as “%(username)s”.", username=e.get("username") or e.target),
    "logout": _l("%(actor)s signed out."),
    "password.changed": _l("%(actor)s changed their password."),
    "password.reset_requested": _l("A password reset link was asked for %(target)s."),
    "password.reset_sent": _l("%(actor)s sent %(target)s a password reset link."),
    "password.set_by_link": _l("%(actor)s set their password from an emailed link."),
    "two_factor.enabled": _l("%(actor)s turned on two-factor sign-in."),
    "two_factor.disabled": _l("%(actor)s turned off two-factor sign-in."),
    "two_factor.recovery_code_used": _l("%(actor)s signed in with a recovery code."),
    "two_factor.codes_regenerated": _l("%(actor)s made new recovery codes."),
    "platform.two_factor_required": lambda e: _(
        "%(actor)s changed which accounts must use two-factor sign-in: %(kinds)s.",
        actor=e.actor,
        kinds=", ".join(str(kind) for kind in (e.get("kinds") or [])) or "—",
    ),
    "campaign.opened": _l("%(actor)s opened the registration campaign “%(title)s”."),
    "campaign.invited": _l("%(actor)s invited a school to a registration campaign."),
    "campaign.imported": _l("%(actor)s invited %(count)s schools from a list."),
    "campaign.closed": _l("%(actor)s closed the registration campaign “%(title)s”."),
    "registration.submitted": _l("A school submitted its registration."),
    "registration.resubmitted": _l("A school resubmitted its registration with the changes asked for."),
    "registration.approved": _l("%(actor)s approved a school's registration."),
    "registration.changes_requested": _l("%(actor)s asked a school for changes to its registration."),
    "registration.declined": _l("%(actor)s declined a school's registration."),
    "public_page.contacts_changed": _l("%(actor)s changed the contact details on the public page."),
    "public_announcement.posted": _l("%(actor)s posted the public announcement “%(title)s”."),
    "public_announcement.edited": _l("%(actor)s edited the public announcement “%(title)s”."),
    "public_announcement.removed": _l("%(actor)s removed the public announcement “%(title)s”."),
    "platform_fee.recorded": lambda e: _(
        "%(actor)s recorded the platform fee of %(year)s: %(amount)s.",
        actor=e.actor,
        year=e.text("school_year"),
        amount=e.money("amount"),
    ),
    "operator.created": _l("The platform operator account %(target)s was created."),
    "authority.created": _l("%(actor)s created the authority %(name)s."),
    "school.created": _l("%(actor)s registered the school %(target)s at the address %(slug)s."),
    "school.status": lambda e: (
        _("%(actor)s suspended the school.", actor=e.actor)
        if e.get("status") == "suspended"
        else _("%(actor)s reactivated the school.", actor=e.actor)
    ),
    "officer.created": _l("%(actor)s created the officer account of %(target)s."),
    "grant": _grant_or_revoke,
    "revoke": _grant_or_revoke,
    "staff.created": _l("%(actor)s created the staff account %(username)s for %(target)s."),
    "staff.activated": _l("%(actor)s re-enabled the account of %(target)s."),
    "staff.deactivated": _l("%(actor)s disabled the account of %(target)s."),
    "year.created": _l("%(actor)s created the school year %(name)s."),
    "class.created": _l("%(actor)s created class %(name)s."),
    "class.homeroom": _homeroom,
    "subject.created": _l("%(actor)s created the subject %(name)s."),
    "assignment.created": lambda e: _(
        "%(actor)s assigned %(teacher)s to teach %(subject)s in class %(class)s.",
        actor=e.actor,
        teacher=e.named("teacher_id"),
        subject=e.named("subject_id"),
        **{"class": e.named("class_id")},
    ),
    "assignment.removed": _l("%(actor)s removed a teaching assignment."),
    "roster.imported": _l(
        "%(actor)s imported a roster of %(rows)s rows: %(created)s students added, %(updated)s updated, "
        "%(left)s marked as left."
    ),
    "roster.import_cancelled": _l("%(actor)s cancelled the import of %(target)s."),
    "grades.saved": lambda e: _(
        "%(actor)s saved the grades of %(subject)s, semester %(semester)s, class %(class)s: %(added)s added, "
        "%(changed)s changed, %(cleared)s cleared.",
        actor=e.actor,
        subject=e.named("subject_id"),
        semester=e.text("semester"),
        added=e.text("added"),
        changed=e.text("changed"),
        cleared=e.text("cleared"),
        **{"class": e.target},
    ),
    "attendance.saved": lambda e: _(
        "%(actor)s marked attendance of class %(class)s for %(on)s (%(slot)s): %(added)s added, %(changed)s changed.",
        actor=e.actor,
        on=e.text("on"),
        slot=e.text("slot"),
        added=e.text("added"),
        changed=e.text("changed"),
        **{"class": e.target},
    ),
    "attendance.corrected": lambda e: _(
        "%(actor)s corrected attendance of class %(class)s for %(on)s (%(slot)s): %(added)s added, %(changed)s "
        "changed (reason: %(reason)s).",
        actor=e.actor,
        on=e.text("on"),
        slot=e.text("slot"),
        added=e.text("added"),
        changed=e.text("changed"),
        reason=e.text("reason"),
        **{"class": e.target},
    ),
    "grades.published": _l("%(actor)s published %(scores)s scores to the families."),
    "grades.corrected": _l("%(actor)s corrected a published score from %(old)s to %(new)s (reason: %(reason)s)."),
    "grades.term_records": lambda e: _(
        "%(actor)s saved the term results of class %(class)s.", actor=e.actor, **{"class": e.target}
    ),
    "attendance.settings": lambda e: _(
        "%(actor)s changed the attendance settings: taken by %(unit)s; warnings at %(thresholds)s sessions absent.",
        actor=e.actor,
        unit=unit_label(e.text("unit")),
        thresholds=", ".join(str(n) for n in e.get("warning_thresholds", [])),
    ),
    "notice.created": lambda e: _("%(actor)s sent the notice “%(title)s”.", actor=e.actor, title=e.target),
    "notice.retried": lambda e: _("%(actor)s sent the notice “%(title)s” again.", actor=e.actor, title=e.target),
    "service.enabled": _l("%(actor)s switched the paid service on."),
    "service.disabled": _l("%(actor)s switched the paid service off."),
    "service.settings": _settings,
    "service.bank_account": _bank_account,
    "service.delivery_settings": lambda e: _(
        "%(actor)s changed the message settings: quiet hours from %(start)s to %(end)s; daily digest at "
        "%(digest)s; %(price)s per SMS segment.",
        actor=e.actor,
        start=e.hour("quiet_start_hour"),
        end=e.hour("quiet_end_hour"),
        digest=e.hour("digest_hour"),
        price=e.money("sms_segment_price"),
    ),
    "price_ceiling.set": _ceiling,
    "plan.created": lambda e: _(
        "%(actor)s created the plan %(name)s at %(price)s.", actor=e.actor, name=e.text("name"), price=e.money("price")
    ),
    "plan.activated": _l("%(actor)s offered the plan %(target)s again."),
    "plan.withdrawn": _l("%(actor)s withdrew the plan %(target)s."),
    "subscription.created": _subscribed,
    "consent.withdrawn": lambda e: _(
        "%(actor)s withdrew the consent to %(purpose)s for %(student)s.",
        actor=e.actor,
        purpose=_in_sentence(purpose_label(e.text("purpose"))),
        student=e.student,
    ),
    "subscription.cancelled": lambda e: _(
        "%(actor)s stopped the subscription of %(student)s from %(day)s (used: %(used)s, refund owed: %(refund)s).",
        actor=e.actor,
        student=e.student,
        day=e.day("stop_on"),
        used=e.money("used_charge"),
        refund=e.money("refund_owed"),
    ),
    "subscription.exempted": _l(
        "%(actor)s exempted the subscription of %(student)s from payment (reason: %(reason)s)."
    ),
    "subscription.exemption_removed": _l("%(actor)s removed the exemption of the subscription of %(student)s."),
    "subscription.expired": _l("The subscription of %(student)s expired."),
    "subscription.channels_changed": lambda e: _(
        "%(actor)s changed the channels of %(student)s to: %(channels)s.",
        actor=e.actor,
        student=e.student,
        channels=", ".join(e.get("channels", [])) or _("none"),
    ),
    "subscription.digest_chosen": _l("%(actor)s chose the daily digest for %(student)s."),
    "subscription.instant_chosen": _l("%(actor)s chose single messages for %(student)s."),
    "payment.recorded": lambda e: _(
        "%(actor)s recorded a payment of %(amount)s for %(student)s (receipt %(receipt)s).",
        actor=e.actor,
        amount=e.money("amount"),
        student=e.student,
        receipt=e.text("receipt_no"),
    ),
    "data_request.created": lambda e: (
        _("A family asked for a copy of its data (answer due by %(day)s).", day=e.day("due_on"))
        if e.get("kind") == "copy"
        else _("A family asked for the erasure of its data (answer due by %(day)s).", day=e.day("due_on"))
    ),
    "data_request.provided": _l("%(actor)s provided a family with the copy of its data."),
    "data_request.erased": lambda e: _(
        "%(actor)s erased a family's data at its request: %(guardians)s guardian records and %(messages)s messages "
        "anonymised, %(subscriptions)s subscriptions stopped; receipts kept.",
        actor=e.actor,
        guardians=e.text("guardians_anonymised"),
        messages=e.text("messages_anonymised"),
        subscriptions=e.text("subscriptions_stopped"),
    ),
    "leave.submitted": lambda e: _(
        "%(actor)s entered a leave request from %(start)s to %(end)s.",
        actor=e.actor,
        start=e.day("starts_on"),
        end=e.day("ends_on"),
    ),
    "leave.withdrawn": _l("%(actor)s withdrew a leave request."),
    "leave.approved": lambda e: _(
        "%(actor)s approved a leave request from %(start)s to %(end)s (absences excused: %(excused)s).",
        actor=e.actor,
        start=e.day("starts_on"),
        end=e.day("ends_on"),
        excused=e.text("excused"),
    ),
    "leave.declined": lambda e: _(
        "%(actor)s declined a leave request from %(start)s to %(end)s.",
        actor=e.actor,
        start=e.day("starts_on"),
        end=e.day("ends_on"),
    ),
    "refund.recorded": lambda e: _(
        "%(actor)s recorded a refund of %(amount)s for %(student)s (receipt %(receipt)s).",
        actor=e.actor,
        amount=e.money("amount"),
        student=e.student,
        receipt=e.text("receipt_no"),
    ),
}


def _names(rows: Sequence[AuditLog]) -> dict[tuple[str, int], str]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        if row.target_type in NAMED and row.target_id is not None:
            wanted[row.target_type].add(row.target_id)
        for key, kind in DETAIL_IDS.items():
            if isinstance(row.details.get(key), int):
                wanted[kind].add(row.details[key])
    names: dict[tuple[str, int], str] = {}
    for kind, ids in wanted.items():
        model, column = NAMED[kind]
        for row_id, name in db.session.execute(select(model.id, column).where(model.id.in_(ids))).tuples():
            names[(kind, row_id)] = name
    return names


def _students(rows: Sequence[AuditLog]) -> dict[tuple[str, int], str]:
    """The student of each subscription (and payment) the rows name: a family's service is about a child."""
    subscriptions = {r.target_id for r in rows if r.target_type == "Subscription" and r.target_id is not None}
    subscriptions |= {
        int(r.details["subscription_id"]) for r in rows if isinstance(r.details.get("subscription_id"), int)
    }
    found = select(Subscription.id, Student.full_name).join(Student, Student.id == Subscription.student_id)
    names = {("Subscription", i): n for i, n in db.session.execute(found.where(Subscription.id.in_(subscriptions)))}
    payments = {r.target_id for r in rows if r.target_type == "Payment" and r.target_id is not None}
    paid = (
        select(Payment.id, Student.full_name)
        .join(Subscription, Subscription.id == Payment.subscription_id)
        .join(Student, Student.id == Subscription.student_id)
        .where(Payment.id.in_(payments))
    )
    names |= {("Payment", i): n for i, n in db.session.execute(paid)}
    return names


def sentences(rows: Sequence[AuditLog]) -> list[str]:
    """One sentence per row, in the current language, naming people and things by their names."""
    names, students = _names(rows), _students(rows)
    described = []
    for row in rows:
        describe = SENTENCES.get(row.action)
        entry = Entry(row, names, students)
        if describe is None:
            described.append(_("%(actor)s: %(action)s.", actor=entry.actor, action=row.action))
        elif isinstance(describe, LazyString):
            described.append(_filled(describe, entry))
        else:
            described.append(describe(entry))
    return described
