"""The family's own subscription for a child: plans and prices, subscribe with consent (a confirmation step
before anything costs money), payment instructions, stop with the refund shown first, channels, digest,
consent per purpose, and what the family received for its fee (its receipts: `receipt_routes`).

Each view finds the child among the family's own (`child_or_404`) and works under that child's school's row
scope. The rules are the paid service's own services (`contactbook.subscriptions.services.portal` calls the
same ones the school's pages call); a refusal is shown as a message and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from contactbook.audit.services import FamilyActor
from contactbook.extensions import db
from contactbook.family import service_reads as reads
from contactbook.family.children import Child, child_or_404
from contactbook.family.service_forms import FamilyChannelsForm, FamilyStopForm, FamilySubscribeForm
from contactbook.family.service_labels import display_helpers
from contactbook.family.session import family_required, signed_in_family
from contactbook.models import Guardian, Student, SubscriptionStatus
from contactbook.subscriptions import services
from contactbook.subscriptions.forms import DigestForm, WithdrawForm
from contactbook.subscriptions.labels import (
    category_label,
    period_label,
    purpose_label,
    refusal,
    vnd,
)
from contactbook.subscriptions.references import payment_reference
from contactbook.subscriptions.services import portal
from contactbook.subscriptions.vietqr import payment_instructions
from contactbook.tenancy import school_scope
from contactbook.timezones import school_today

bp = Blueprint("family_service", __name__)


@bp.context_processor
def _display_helpers() -> dict[str, Any]:
    return display_helpers()


@contextmanager
def child_scope(student_id: int) -> Iterator[Child]:
    """The family's child (404 for any other student), with its school's rows in scope meanwhile."""
    child = child_or_404(signed_in_family(), student_id)
    with school_scope(child.school_id):
        yield child


def _actor() -> FamilyActor:
    return FamilyActor(signed_in_family().id)


def _guardian(child: Child) -> Guardian:
    """The family's guardian record of the child (the first, should the school hold two)."""
    guardian = db.session.get(Guardian, child.guardian_ids[0])
    if guardian is None:
        abort(404)
    return guardian


def _student(child: Child) -> Student:
    student = db.session.get(Student, child.student_id)
    if student is None:
        abort(404)
    return student


def _overview_url(child: Child) -> str:
    return url_for("family_service.overview", student_id=child.student_id)


@bp.route("/")
@family_required
def overview(student_id: int) -> ResponseReturnValue:
    with child_scope(student_id) as child:
        school = reads.school_of(child)
        subscriptions = reads.subscriptions_of(child)
        current = reads.running(subscriptions)
        paid = services.paid_for(current) if current else 0
        settings = services.settings_of(school)
        return render_template(
            "family/service.html",
            child=child,
            school=school,
            settings=settings,
            free_labels=[category_label(c) for c in settings.free_categories],
            plans=reads.plans_offered(school),
            subscriptions=subscriptions,
            current=current,
            paid=paid,
            payment=(
                payment_instructions(settings, current.charge - paid, payment_reference(current))
                if current and paid < current.charge
                else None
            ),
            payments=reads.payments_of(child),
            statement=reads.statement_of(child),
            channels_form=FamilyChannelsForm(formdata=None, sms=current.sms, email=current.email) if current else None,
            digest_form=DigestForm(formdata=None),
            withdraw_form=WithdrawForm(formdata=None),
            child_needed=services.child_consent_needed(_student(child), school_today()),
        )


def _choice(form: FamilySubscribeForm, plans: dict[int, Any]) -> portal.Choice:
    return portal.Choice(
        plan=plans[form.plan_id.data],
        sms=bool(form.sms.data),
        email=bool(form.email.data),
        digest=form.delivery.data == "digest",
        purposes=frozenset(form.purposes.data or []),
        given_by=form.given_by.data or "",
        child_agrees=bool(form.child_agrees.data),
    )


@bp.route("/subscribe", methods=["GET", "POST"])
@family_required
def subscribe(student_id: int) -> ResponseReturnValue:
    """GET: the choices; POST: the confirmation with the price; POST confirmed: subscribe."""
    with child_scope(student_id) as child:
        school = reads.school_of(child)
        guardian, student = _guardian(child), _student(child)
        plans = {plan.id: plan for plan in reads.plans_offered(school)}
        form = FamilySubscribeForm()
        form.plan_id.choices = [
            SelectChoice(p.id, f"{p.name} — {vnd(p.price)} / {period_label(p.period)}") for p in plans.values()
        ]
        if request.method == "GET":
            form.given_by.data = guardian.full_name
            if len(plans) == 1:
                form.plan_id.data = next(iter(plans))
        enabled = services.settings_of(school).enabled
        if enabled and plans and form.validate_on_submit() and form.confirmed.data != "edit":
            choice = _choice(form, plans)
            try:
                first, last, child_needed = portal.check(school, guardian=guardian, student=student, choice=choice)
                if form.confirmed.data == "1":
                    subscription = portal.subscribe(school, _actor(), guardian=guardian, student=student, choice=choice)
                    flash(_("You are subscribed. Thank you: your consent is recorded."), "info")
                    return redirect(_overview_url(child) + f"#subscription-{subscription.id}")
            except services.SubscriptionError as exc:
                form.form_errors.append(refusal(exc))
            else:
                return render_template(
                    "family/service_confirm.html",
                    child=child,
                    school=school,
                    form=form,
                    choice=choice,
                    first=first,
                    last=last,
                    child_needed=child_needed,
                )
        return render_template(
            "family/service_subscribe.html",
            child=child,
            school=school,
            form=form,
            plans=list(plans.values()),
            service_enabled=enabled,
            guardian=guardian,
            child_needed=services.child_consent_needed(student, school_today()),
        )


@bp.route("/<int:subscription_id>/stop", methods=["GET", "POST"])
@family_required
def stop(student_id: int, subscription_id: int) -> ResponseReturnValue:
    """GET: what stopping today costs and refunds; POST: stop, once the family ticked to confirm."""
    with child_scope(student_id) as child:
        subscription = reads.subscription_or_404(child, subscription_id)
        school = reads.school_of(child)
        form = FamilyStopForm()
        if request.method == "POST" and form.validate_on_submit():
            if not form.confirm.data:
                form.confirm.errors = [_("Tick the box to confirm.")]
            else:
                try:
                    refund = portal.stop(school, _actor(), subscription)
                except services.SubscriptionError as exc:
                    flash(refusal(exc), "error")
                else:
                    flash(
                        _(
                            "The service is stopped: no more messages will be sent. Charge for the days used: "
                            "%(charge)s. Refund owed to you: %(refund)s.",
                            charge=vnd(refund.used_charge),
                            refund=vnd(refund.refund),
                        ),
                        "info",
                    )
                return redirect(_overview_url(child))
        quote = None
        if subscription.status == SubscriptionStatus.ACTIVE:
            try:
                quote = portal.stop_quote(subscription)
            except services.SubscriptionError:
                quote = None
        return render_template(
            "family/service_stop.html",
            child=child,
            subscription=subscription,
            quote=quote,
            stop_on=portal.stop_on(subscription),
            paid=services.paid_for(subscription),
            form=form,
        )


def _change(child: Child, subscription_id: int, change: Any, done: str) -> ResponseReturnValue:
    """Run one change of the family's subscription; its refusal, or `done`, is flashed."""
    subscription = reads.subscription_or_404(child, subscription_id)
    try:
        change(reads.school_of(child), _actor(), subscription)
    except services.SubscriptionError as exc:
        flash(refusal(exc), "error")
    else:
        flash(done, "info")
    return redirect(_overview_url(child) + f"#subscription-{subscription_id}")


@bp.route("/<int:subscription_id>/channels", methods=["POST"])
@family_required
def channels(student_id: int, subscription_id: int) -> ResponseReturnValue:
    with child_scope(student_id) as child:
        form = FamilyChannelsForm()
        if not form.validate_on_submit():
            flash(_("Choose the channels again."), "error")
            return redirect(_overview_url(child))
        guardian = _guardian(child)
        return _change(
            child,
            subscription_id,
            lambda school, actor, sub: portal.change_channels(
                school,
                actor,
                sub,
                sms=bool(form.sms.data),
                email=bool(form.email.data),
                given_by=guardian.full_name,
                purposes=form.purposes.data or [],
                child_agrees=bool(form.child_agrees.data),
            ),
            _("Your channels are changed, for the messages not yet sent."),
        )


@bp.route("/<int:subscription_id>/digest", methods=["POST"])
@family_required
def digest(student_id: int, subscription_id: int) -> ResponseReturnValue:
    with child_scope(student_id) as child:
        form = DigestForm()
        if not form.validate_on_submit():
            flash(_("Choose single messages or the daily digest."), "error")
            return redirect(_overview_url(child))
        chosen = form.choice.data == "digest"
        done = _("You now get one daily digest.") if chosen else _("You now get each message as it comes.")
        return _change(
            child, subscription_id, lambda school, actor, sub: portal.set_digest(school, actor, sub, chosen), done
        )


@bp.route("/<int:subscription_id>/withdraw", methods=["POST"])
@family_required
def withdraw(student_id: int, subscription_id: int) -> ResponseReturnValue:
    with child_scope(student_id) as child:
        form = WithdrawForm()
        if not form.validate_on_submit():
            flash(_("Choose a purpose to withdraw."), "error")
            return redirect(_overview_url(child))
        purpose = form.purpose.data or ""
        done = _("Consent withdrawn for %(purpose)s.", purpose=purpose_label(purpose))
        return _change(
            child, subscription_id, lambda school, actor, sub: portal.withdraw(school, actor, sub, purpose), done
        )
