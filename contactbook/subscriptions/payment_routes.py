"""The accountant's money pages: find a family, its account, record a payment or refund, receipts, unpaid flags.

Every page needs `payments.record` (accountants and school admins). Money is confirmed before it is
recorded: the first submit shows the amount and asks again, and a confirmation is recorded once only,
however often the browser sends it (the confirmation's token is unique in the database).
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.routing import BuildError

from contactbook.auth.access import school_member, staff_user
from contactbook.auth.rules import Permission
from contactbook.extensions import db
from contactbook.inputs import page_number
from contactbook.models import Guardian, Payment, PaymentKind, PaymentMethod, Subscription
from contactbook.roster.labels import domestic_phone, relation_label
from contactbook.subscriptions import accounts
from contactbook.subscriptions.labels import period_label, refusal, status_label, vnd
from contactbook.subscriptions.payment_forms import MoneyForm, kind_label, method_label
from contactbook.subscriptions.services import SubscriptionError, net_paid, payments, settings_of
from contactbook.subscriptions.vietqr import payment_instructions, payment_reference
from contactbook.tenancy import current_school, get_scoped_or_404
from contactbook.timezones import school_today

bp = Blueprint("payments", __name__)
MAX_QUERY_LENGTH = 100


def register_vnd_filter(state: BlueprintSetupState) -> None:
    """Give templates the `vnd` filter unless another blueprint already did (it is the same function)."""
    state.app.jinja_env.filters.setdefault("vnd", vnd)


bp.record_once(register_vnd_filter)


def link_to(endpoint: str, **values: Any) -> str | None:
    """The URL of `endpoint`, or None if the app has no such page (another feature may not be there yet)."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@bp.context_processor
def _display_helpers() -> dict[str, Any]:
    return {
        "period_label": period_label,
        "status_label": status_label,
        "method_label": method_label,
        "kind_label": kind_label,
        "relation_label": relation_label,
        "domestic_phone": domestic_phone,
        "link_to": link_to,
    }


@bp.route("/families/")
@school_member(Permission.PAYMENTS_RECORD)
def families() -> ResponseReturnValue:
    text = request.args.get("q", "")[:MAX_QUERY_LENGTH]
    page = page_number()
    return render_template(
        "payments/families.html", q=text, result=accounts.search_families(current_school(), text, page)
    )


@bp.route("/families/<int:guardian_id>")
@school_member(Permission.PAYMENTS_RECORD)
def family(guardian_id: int) -> ResponseReturnValue:
    guardian = get_scoped_or_404(Guardian, guardian_id)
    school = current_school()
    account = accounts.family_account(school, guardian, school_today())
    owed = account.balance.outstanding
    return render_template(
        "payments/family.html",
        account=account,
        subscriptions_by_id={line.subscription.id: line.subscription for line in account.subscriptions},
        # What the family sees to pay what it owes by bank transfer (a code only with the school's account).
        payment=payment_instructions(settings_of(school), owed, payment_reference(guardian.id)) if owed > 0 else None,
    )


@bp.route("/unpaid")
@school_member(Permission.PAYMENTS_RECORD)
def unpaid() -> ResponseReturnValue:
    school = current_school()
    today = school_today()
    flagged = payments.unpaid_flagged(school, today)
    ids = [s.id for s in flagged]
    subscriptions = db.session.scalars(
        select(Subscription)
        .where(Subscription.id.in_(ids))
        .options(
            selectinload(Subscription.guardian), selectinload(Subscription.student), selectinload(Subscription.plan)
        )
        .order_by(Subscription.starts_on, Subscription.id)
    ).all()
    paid = net_paid(ids)
    return render_template(
        "payments/unpaid.html",
        lines=[accounts.SubscriptionLine(s, paid.get(s.id, 0), 0, True) for s in subscriptions],
        flag_days=settings_of(school).unpaid_flag_days,
    )


# --- Recording money ------------------------------------------------------------------------------


def _money_page(kind: PaymentKind, subscription: Subscription) -> ResponseReturnValue:
    """The payment or refund form of `subscription`, its confirmation, and the recording.

    The rules are the service's: it names the refused fields before the confirmation, and recording a
    confirmation twice answers with the first record.
    """
    school = current_school()
    owed = payments.refund_owed(subscription) if kind == PaymentKind.REFUND else 0
    paid = payments.paid_for(subscription)
    context = {
        "kind": kind,
        "subscription": subscription,
        "paid": paid,
        "due": max(subscription.charge - paid, 0),
        "owed": owed,
    }
    form = MoneyForm()
    if kind == PaymentKind.REFUND:
        form.payer.label.text = _("Paid to")
    if request.method == "GET":
        form.paid_on.data = school_today()
        form.payer.data = subscription.guardian.full_name
        if kind == PaymentKind.REFUND and owed:
            form.amount.data = owed
    step = request.form.get("step")
    token = form.token.data or ""
    if step == "record" and token and form.validate_on_submit():
        try:
            recorded = payments.record_payment(
                school,
                staff_user(),
                subscription=subscription,
                amount=int(form.amount.data or 0),  # validated: a positive whole amount
                paid_on=form.paid_on.data,
                method=PaymentMethod(form.method.data),
                payer=form.payer.data or "",
                reference=form.reference.data,
                token=token,
                kind=kind,
            )
        except SubscriptionError as exc:
            _show_problems(form, [exc])
        else:
            if recorded.already:
                flash(_("This was already recorded; here is its receipt."), "info")
            else:
                flash(_("Recorded, receipt %(number)s.", number=recorded.payment.receipt_no), "info")
            return redirect(url_for("payments.receipt", payment_id=recorded.payment.id))
    elif kind == PaymentKind.REFUND and not owed:
        return render_template("payments/money_form.html", form=form, **context)
    elif form.validate_on_submit() and step != "edit":
        problems = payments.money_problems(
            school,
            subscription,
            kind=kind,
            amount=int(form.amount.data or 0),
            paid_on=form.paid_on.data,
            payer=form.payer.data or "",
        )
        if not problems:
            form.token.data = secrets.token_urlsafe(16)
            return render_template("payments/money_confirm.html", form=form, **context)
        _show_problems(form, problems)
    form.token.data = ""
    return render_template("payments/money_form.html", form=form, **context)


def _show_problems(form: MoneyForm, problems: list[SubscriptionError]) -> None:
    """Each refusal of the service under its field (the amount's when it names none)."""
    for problem in problems:
        getattr(form, problem.field or "amount").errors = [refusal(problem)]


@bp.route("/subscriptions/<int:subscription_id>/payments/new", methods=["GET", "POST"])
@school_member(Permission.PAYMENTS_RECORD)
def new(subscription_id: int) -> ResponseReturnValue:
    return _money_page(PaymentKind.PAYMENT, get_scoped_or_404(Subscription, subscription_id))


@bp.route("/subscriptions/<int:subscription_id>/refund", methods=["GET", "POST"])
@school_member(Permission.PAYMENTS_RECORD)
def refund(subscription_id: int) -> ResponseReturnValue:
    return _money_page(PaymentKind.REFUND, get_scoped_or_404(Subscription, subscription_id))


@bp.route("/payments/<int:payment_id>/receipt")
@school_member(Permission.PAYMENTS_RECORD)
def receipt(payment_id: int) -> ResponseReturnValue:
    payment = get_scoped_or_404(Payment, payment_id)
    subscription = db.session.get(Subscription, payment.subscription_id) if payment.subscription_id else None
    return render_template("payments/receipt.html", payment=payment, subscription=subscription)
