"""The school's pages of the voluntary paid service: the switch and settings, plans, and subscriptions
recorded from the families' consent forms (withdrawal, opt-out with its refund, exemption, receipt).

Only staff holding `settings.manage` (switch, settings, plans) or `subscriptions.manage` (the families'
subscriptions) see them; teachers see nothing of who subscribed or not. The rules live in
`contactbook.subscriptions.services`; a refusal there is shown as a message and changes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from contactbook.auth.access import has_permission, rule_for, school_member, staff_user
from contactbook.auth.rules import Permission
from contactbook.extensions import db
from contactbook.inputs import id_argument, page_number
from contactbook.models import Guardian, Plan, PlanPeriod, Student, Subscription, SubscriptionStatus, User
from contactbook.roster import queries as roster_queries
from contactbook.roster.labels import domestic_phone, relation_label
from contactbook.roster.services import current_year
from contactbook.subscriptions import listing, rules, services
from contactbook.subscriptions.forms import (
    DeliverySettingsForm,
    DigestForm,
    ExemptionForm,
    OptOutForm,
    PlanActiveForm,
    PlanForm,
    QuoteForm,
    SettingsForm,
    SubscriptionForm,
    SwitchForm,
    WithdrawForm,
)
from contactbook.subscriptions.labels import (
    category_label,
    consent_method_label,
    period_label,
    purpose_label,
    refusal,
    status_label,
    vnd,
)
from contactbook.subscriptions.payment_forms import BankAccountForm
from contactbook.tenancy import current_school, get_scoped_or_404
from contactbook.timezones import school_today

bp = Blueprint("subscriptions", __name__)
MAX_QUERY_LENGTH = 100


@bp.app_template_filter("vnd")
def _vnd(amount: int | None) -> str:
    return vnd(amount)


@bp.context_processor
def _display_helpers() -> dict[str, Any]:
    return {
        "purpose_label": purpose_label,
        "category_label": category_label,
        "period_label": period_label,
        "status_label": status_label,
        "consent_method_label": consent_method_label,
        "relation_label": relation_label,
        "domestic_phone": domestic_phone,
        "can_open": _can_open,
    }


def _can_open(endpoint: str) -> bool:
    """Whether `endpoint` exists (pages of other features may not have landed) and the user may open it."""
    if endpoint not in current_app.view_functions:
        return False
    rule = rule_for(endpoint)
    return rule is not None and rule.kind == "school" and (rule.permission is None or has_permission(rule.permission))


# --- The switch and the settings (settings.manage) -------------------------------------------------


def _settings_page(
    settings_form: SettingsForm, switch_form: SwitchForm, bank_form: BankAccountForm | None = None
) -> ResponseReturnValue:
    settings = services.settings_of(current_school())
    changed_by = db.session.get(User, settings.changed_by_id) if settings.changed_by_id else None
    return render_template(
        "subscriptions/settings.html",
        settings=settings,
        changed_by=changed_by,
        form=settings_form,
        switch_form=switch_form,
        bank_form=bank_form or BankAccountForm(formdata=None, obj=settings),
    )


def _switch_form(enabled_now: bool) -> SwitchForm:
    return SwitchForm(formdata=None, enabled="0" if enabled_now else "1")


@bp.route("/settings", methods=["GET", "POST"])
@school_member(Permission.SETTINGS_MANAGE)
def settings() -> ResponseReturnValue:
    school = current_school()
    current = services.settings_of(school)
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        try:
            services.update_settings(
                school,
                staff_user(),
                free_categories=form.free_categories.data or [],
                allow_unpaid_start=bool(form.allow_unpaid_start.data),
                unpaid_flag_days=form.unpaid_flag_days.data or 0,
                reminder_days=form.reminder_days.data or 0,
            )
        except services.SubscriptionError as exc:
            form.form_errors.append(_(str(exc)))
        else:
            flash(_("Settings saved."), "info")
            return redirect(url_for("subscriptions.settings"))
    return _settings_page(form, _switch_form(current.enabled))


@bp.route("/settings/bank-account", methods=["POST"])
@school_member(Permission.SETTINGS_MANAGE)
def bank_account() -> ResponseReturnValue:
    school = current_school()
    form = BankAccountForm()
    if form.validate_on_submit():
        try:
            services.update_bank_account(school, staff_user(), **form.chosen())
        except services.SubscriptionError as exc:
            form.form_errors.append(_(str(exc)))
        else:
            flash(_("Bank account saved.") if form.given() else _("Bank account removed."), "info")
            return redirect(url_for("subscriptions.settings", _anchor="bank-account"))
    current = services.settings_of(school)
    return _settings_page(SettingsForm(formdata=None, obj=current), _switch_form(current.enabled), form)


@bp.route("/settings/messaging", methods=["GET", "POST"])
@school_member(Permission.SETTINGS_MANAGE)
def messaging_settings() -> ResponseReturnValue:
    school = current_school()
    form = DeliverySettingsForm(obj=services.settings_of(school))
    if form.validate_on_submit():
        try:
            services.update_delivery_settings(school, staff_user(), **form.chosen())
        except services.SubscriptionError as exc:
            form.form_errors.append(_(str(exc)))
        else:
            flash(_("Message settings saved."), "info")
            return redirect(url_for("subscriptions.messaging_settings"))
    return render_template("subscriptions/messaging_settings.html", form=form)


@bp.route("/switch", methods=["POST"])
@school_member(Permission.SETTINGS_MANAGE)
def service_switch() -> ResponseReturnValue:
    school = current_school()
    current = services.settings_of(school)
    form = SwitchForm()
    if not form.validate_on_submit():
        abort(400)
    enabled = form.enabled.data == "1"
    if not form.confirm.data:
        form.confirm.errors = [_("Tick the box to confirm.")]
        return _settings_page(SettingsForm(formdata=None, obj=current), form)
    services.set_service_enabled(school, staff_user(), enabled)
    flash(_("The paid service is now on.") if enabled else _("The paid service is now off."), "info")
    return redirect(url_for("subscriptions.settings"))


# --- Plans (settings.manage) ------------------------------------------------------------------------


@bp.route("/plans/", methods=["GET", "POST"])
@school_member(Permission.SETTINGS_MANAGE)
def plans() -> ResponseReturnValue:
    school = current_school()
    form = PlanForm()
    if form.validate_on_submit():
        try:
            plan = services.create_plan(
                school,
                staff_user(),
                name=form.name.data or "",
                price=form.price.data or 0,
                period=PlanPeriod(form.period.data),
                sms=bool(form.sms.data),
                email=bool(form.email.data),
                digest_only=bool(form.digest_only.data),
            )
        except services.SubscriptionError as exc:
            form.form_errors.append(_(str(exc)))
        else:
            flash(_("Plan %(name)s published.", name=plan.name), "info")
            return redirect(url_for("subscriptions.plans"))
    ceilings = {period: services.price_ceiling(school, period) for period in PlanPeriod}
    return render_template(
        "subscriptions/plans.html",
        form=form,
        plans=listing.plans_of(school),
        ceilings={period: ceiling for period, ceiling in ceilings.items() if ceiling is not None},
        service_enabled=services.settings_of(school).enabled,
    )


@bp.route("/plans/<int:plan_id>/active", methods=["POST"])
@school_member(Permission.SETTINGS_MANAGE)
def plan_active(plan_id: int) -> ResponseReturnValue:
    plan = get_scoped_or_404(Plan, plan_id)
    form = PlanActiveForm()
    if not form.validate_on_submit():
        abort(400)
    active = form.active.data == "1"
    try:
        services.set_plan_active(current_school(), staff_user(), plan, active)
    except services.SubscriptionError as exc:
        flash(refusal(exc), "error")
        return redirect(url_for("subscriptions.plans"))
    if active:
        flash(_("Plan %(name)s offered again.", name=plan.name), "info")
    else:
        flash(_("Plan %(name)s withdrawn.", name=plan.name), "info")
    return redirect(url_for("subscriptions.plans"))


# --- Subscriptions (subscriptions.manage) -----------------------------------------------------------


@bp.route("/subscriptions/")
@school_member(Permission.SUBSCRIPTIONS_MANAGE)
def subscription_list() -> ResponseReturnValue:
    school = current_school()
    status_name = request.args.get("status", "")
    status = SubscriptionStatus(status_name) if status_name in set(SubscriptionStatus) else None
    page = page_number()
    return render_template(
        "subscriptions/list.html",
        result=listing.subscription_page(school, status, page),
        status=status,
        statuses=list(SubscriptionStatus),
        year=current_year(school),
        service_enabled=services.settings_of(school).enabled,
    )


def _picked_family() -> tuple[Student, Guardian] | None:
    """The student and guardian named by `?student_id=&guardian_id=` (404 if not a family of this school)."""
    student_id = id_argument("student_id")
    guardian_id = id_argument("guardian_id")
    if student_id is None or guardian_id is None:
        return None
    student = get_scoped_or_404(Student, student_id)
    guardian = get_scoped_or_404(Guardian, guardian_id)
    if not listing.is_guardian_of(student, guardian.id):
        abort(404)
    return student, guardian


def _family_picker() -> ResponseReturnValue:
    school = current_school()
    text = request.args.get("q", "")[:MAX_QUERY_LENGTH]
    result = None
    if text.strip():
        viewer = roster_queries.Viewer(school, staff_user(), sees_all=True)
        result = roster_queries.search_students(viewer, text, 1)
    students = result.students if result else []
    return render_template(
        "subscriptions/pick_family.html",
        q=text,
        result=result,
        links=roster_queries.guardian_links(s.id for s in students),
        enrolments=roster_queries.enrolments_in_year((s.id for s in students), current_year(school)),
    )


def _record_consent(form: SubscriptionForm, student: Student, guardian: Guardian) -> Subscription | None:
    """Subscribe the family as its consent form says; None, with the form's errors set, if refused."""
    consent = services.ConsentForm(
        given_by=form.given_by.data or "",
        method=form.method.data or "paper",
        purposes=frozenset(form.purposes.data or []),
        child_consent=bool(form.child_consent.data),
    )
    try:
        return services.subscribe(
            current_school(),
            staff_user(),
            guardian=guardian,
            student=student,
            plan=get_scoped_or_404(Plan, form.plan_id.data),
            sms=bool(form.sms.data),
            email=bool(form.email.data),
            digest=bool(form.digest.data),
            starts_on=form.starts_on.data,
            consent=consent,
        )
    except services.SubscriptionError as exc:
        if exc.field == "starts_on":
            form.starts_on.errors.append(refusal(exc))
        else:
            form.form_errors.append(refusal(exc))
        return None


@bp.route("/subscriptions/new", methods=["GET", "POST"])
@school_member(Permission.SUBSCRIPTIONS_MANAGE)
def new() -> ResponseReturnValue:
    school = current_school()
    family = _picked_family()
    if family is None:
        return _family_picker()
    student, guardian = family
    plans = listing.plans_of(school, active_only=True)
    form = SubscriptionForm()
    form.plan_id.choices = [SelectChoice(p.id, f"{p.name} — {vnd(p.price)} / {period_label(p.period)}") for p in plans]
    if request.method == "GET":
        form.starts_on.data = school_today()
        form.given_by.data = guardian.full_name
    enabled = services.settings_of(school).enabled
    if enabled and plans and form.validate_on_submit():
        subscription = _record_consent(form, student, guardian)
        if subscription is not None:
            flash(_("Subscription recorded with the family's consent."), "info")
            return redirect(url_for("subscriptions.detail", subscription_id=subscription.id))
    starts_on = form.starts_on.data if isinstance(form.starts_on.data, date) else school_today()
    return render_template(
        "subscriptions/new.html",
        form=form,
        student=student,
        guardian=guardian,
        plans=plans,
        service_enabled=enabled,
        child_needed=services.child_consent_needed(student, starts_on),
        age=rules.age_on(student.date_of_birth, rules.consent_age_day(starts_on, school_today())),
        enrolment=roster_queries.enrolments_in_year([student.id], current_year(school)).get(student.id),
        existing=listing.subscriptions_of_family(student, guardian.id),
    )


@bp.route("/subscriptions/<int:subscription_id>")
@school_member(Permission.SUBSCRIPTIONS_MANAGE)
def detail(subscription_id: int) -> ResponseReturnValue:
    subscription = get_scoped_or_404(Subscription, subscription_id)
    consents = listing.consents_of(subscription)
    exemption_form = ExemptionForm(formdata=None, reason=subscription.exemption_reason)
    return render_template(
        "subscriptions/detail.html",
        subscription=subscription,
        consents=consents,
        paid=services.paid_for(subscription),
        refund=services.refund_owed(subscription),
        names=listing.staff_names(
            current_school(), [subscription.created_by_id, *(c.recorded_by_id for c in consents)]
        ),
        exemption_form=exemption_form,
        withdraw_form=WithdrawForm(formdata=None),
        digest_form=DigestForm(formdata=None, choice="instant" if subscription.digest else "digest"),
        enrolment=roster_queries.enrolments_in_year([subscription.student_id], current_year(current_school())).get(
            subscription.student_id
        ),
    )


@bp.route("/subscriptions/<int:subscription_id>/withdraw", methods=["POST"])
@school_member(Permission.SUBSCRIPTIONS_MANAGE)
def withdraw(subscription_id: int) -> ResponseReturnValue:
    subscription = get_scoped_or_404(Subscription, subscription_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(_("Choose a purpose to withdraw."), "error")
    else:
        purpose = form.purpose.data or ""
        try:
            services.withdraw_purpose(current_school(), staff_user(), subscription, purpose)
        except services.SubscriptionError as exc:
            flash(_(str(exc)), "error")
        else:
            flash(_("Consent withdrawn for %(purpose)s.", purpose=purpose_label(purpose)), "info")
    return redirect(url_for("subscriptions.detail", subscription_id=subscription.id))


@bp.route("/subscriptions/<int:subscription_id>/digest", methods=["POST"])
@school_member(Permission.SUBSCRIPTIONS_MANAGE)
def digest(subscription_id: int) -> ResponseReturnValue:
    """Switch the family between single messages and the daily digest, for the messages written from now on."""
    subscription = get_scoped_or_404(Subscription, subscription_id)
    form = DigestForm()
    if not form.validate_on_submit():
        flash(_("Choose single messages or the daily digest."), "error")
    else:
        chosen = form.choice.data == "digest"
        try:
            services.set_digest(current_school(), staff_user(), subscription, chosen)
        except services.SubscriptionError as exc:
            flash(_(str(exc)), "error")
        else:
            done = _("The family now gets one daily digest.") if chosen else _("The family now gets single messages.")
            flash(done, "info")
    return redirect(url_for("subscriptions.detail", subscription_id=subscription.id))


@bp.route("/subscriptions/<int:subscription_id>/opt-out", methods=["GET", "POST"])
@school_member(Permission.SUBSCRIPTIONS_MANAGE)
def opt_out(subscription_id: int) -> ResponseReturnValue:
    """GET: what opting out from `?stop_on=` (default today) costs and refunds; POST: do it, once confirmed."""
    subscription = get_scoped_or_404(Subscription, subscription_id)
    running = subscription.status == SubscriptionStatus.ACTIVE
    form = OptOutForm()
    if request.method == "GET":
        asked = "stop_on" in request.args
        default = min(max(school_today(), subscription.starts_on), subscription.ends_on)
        quote_form = QuoteForm(request.args) if asked else QuoteForm(formdata=None, stop_on=default)
        stop_on = quote_form.stop_on.data if not asked or quote_form.validate() else None
    elif not running:
        flash(_("This subscription is no longer running."), "error")
        return redirect(url_for("subscriptions.detail", subscription_id=subscription.id))
    else:
        valid = form.validate_on_submit()
        stop_on = form.stop_on.data if valid else None
        quote_form = QuoteForm(formdata=None, stop_on=stop_on)
        if valid and not form.confirm.data:
            form.confirm.errors = [_("Tick the box to confirm.")]
        elif valid and stop_on is not None:
            try:
                quote = services.opt_out(current_school(), staff_user(), subscription, stop_on, form.reason.data)
            except services.SubscriptionError as exc:
                if exc.field != "stop_on":
                    flash(refusal(exc), "error")
                    return redirect(url_for("subscriptions.detail", subscription_id=subscription.id))
            else:
                flash(
                    _(
                        "The subscription stops from %(day)s. Charge for the days used: %(charge)s. "
                        "Refund owed: %(refund)s.",
                        day=stop_on.strftime("%d/%m/%Y"),
                        charge=vnd(quote.used_charge),
                        refund=vnd(quote.refund),
                    ),
                    "info",
                )
                return redirect(url_for("subscriptions.detail", subscription_id=subscription.id))
    if stop_on is not None:
        try:
            services.check_stop_day(subscription, stop_on)
        except services.SubscriptionError as exc:
            quote_form.stop_on.errors = [refusal(exc)]
            stop_on = None
    return render_template(
        "subscriptions/opt_out.html",
        subscription=subscription,
        running=running,
        stop_on=stop_on,
        quote=services.opt_out_quote(subscription, stop_on) if running and stop_on else None,
        paid=services.paid_for(subscription),
        form=form,
        quote_form=quote_form,
    )


@bp.route("/subscriptions/<int:subscription_id>/exemption", methods=["POST"])
@school_member(Permission.PAYMENTS_RECORD)
def exemption(subscription_id: int) -> ResponseReturnValue:
    subscription = get_scoped_or_404(Subscription, subscription_id)
    form = ExemptionForm()
    if not form.validate_on_submit():
        flash(_("The exemption was not changed: check the reason (up to 200 characters)."), "error")
    else:
        reason = None if form.action.data == "remove" else (form.reason.data or "")
        try:
            services.set_exemption(current_school(), staff_user(), subscription, reason)
        except services.SubscriptionError as exc:
            flash(_(str(exc)), "error")
        else:
            flash(_("Exemption saved.") if reason is not None else _("Exemption removed."), "info")
    return redirect(url_for("subscriptions.detail", subscription_id=subscription.id))


@bp.route("/subscriptions/<int:subscription_id>/consent-receipt")
@school_member(Permission.SUBSCRIPTIONS_MANAGE)
def consent_receipt(subscription_id: int) -> ResponseReturnValue:
    subscription = get_scoped_or_404(Subscription, subscription_id)
    consents = listing.consents_of(subscription)
    return render_template(
        "subscriptions/consent_receipt.html",
        subscription=subscription,
        consents=consents,
        names=listing.staff_names(
            current_school(), [subscription.created_by_id, *(c.recorded_by_id for c in consents)]
        ),
        enrolment=roster_queries.enrolments_in_year([subscription.student_id], current_year(current_school())).get(
            subscription.student_id
        ),
        printed_on=school_today(),
    )
