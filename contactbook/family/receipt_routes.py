"""The receipts a family prints or saves: the consent receipt and the receipt of each payment or refund the
school recorded, from the very templates the school prints."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue

from contactbook.extensions import db
from contactbook.family import service_reads as reads
from contactbook.family.service_labels import display_helpers
from contactbook.family.service_routes import child_scope
from contactbook.family.session import family_required
from contactbook.models import Subscription
from contactbook.roster import queries as roster_queries
from contactbook.roster.services import current_year
from contactbook.subscriptions import listing
from contactbook.timezones import school_today

bp = Blueprint("family_receipts", __name__)


@bp.context_processor
def _display_helpers() -> dict[str, Any]:
    return display_helpers()


@bp.route("/<int:subscription_id>/consent-receipt")
@family_required
def consent_receipt(student_id: int, subscription_id: int) -> ResponseReturnValue:
    """The consent receipt staff print, for the family to print or save."""
    with child_scope(student_id) as child:
        subscription = reads.subscription_or_404(child, subscription_id)
        school = reads.school_of(child)
        return render_template(
            "family/consent_receipt.html",
            child=child,
            school_name=school.name,
            subscription=subscription,
            consents=list(subscription.consents),
            names=listing.staff_names(school, [c.recorded_by_id for c in subscription.consents]),
            enrolment=roster_queries.enrolments_in_year([subscription.student_id], current_year(school)).get(
                subscription.student_id
            ),
            printed_on=school_today(),
        )


@bp.route("/payments/<int:payment_id>/receipt")
@family_required
def receipt(student_id: int, payment_id: int) -> ResponseReturnValue:
    """The receipt of a payment (or refund) the school recorded for the family."""
    with child_scope(student_id) as child:
        payment = next((p for p in reads.payments_of(child) if p.id == payment_id), None)
        if payment is None:
            abort(404)
        subscription = db.session.get(Subscription, payment.subscription_id) if payment.subscription_id else None
        return render_template(
            "family/receipt.html",
            child=child,
            school_name=reads.school_of(child).name,
            payment=payment,
            subscription=subscription,
        )
