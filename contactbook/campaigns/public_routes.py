"""The school's registration form, reached through its signed invitation link (no account)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from contactbook.auth.access import public
from contactbook.campaigns import services
from contactbook.campaigns.forms import RegistrationForm, registration_form
from contactbook.campaigns.links import invitation_id_of
from contactbook.campaigns.services.registration import can_submit
from contactbook.extensions import db
from contactbook.models import SchoolLevel
from contactbook.models.base import utcnow
from contactbook.models.registration import CampaignInvitation, RegistrationStatus

bp = Blueprint("campaigns_public", __name__)
FIELDS = (
    "school_name",
    "address",
    "phone",
    "email",
    "requested_slug",
    "admin_full_name",
    "admin_email",
    "admin_phone",
)


def _invitation_or_404(token: str) -> CampaignInvitation:
    ident = invitation_id_of(token)
    invitation = db.session.get(CampaignInvitation, ident) if ident is not None else None
    return invitation or abort(404)


def _prefill(invitation: CampaignInvitation) -> dict[str, Any]:
    registration = invitation.registration
    if registration is None:
        return {"school_name": invitation.school_name, "level": invitation.level.value, "email": invitation.email}
    values: dict[str, Any] = {name: getattr(registration, name) for name in FIELDS}
    values["level"] = registration.level.value
    values |= {f"survey_{key}": value for key, value in (registration.survey_answers or {}).items()}
    return values


def _data(form: RegistrationForm, survey: list[dict[str, Any]]) -> services.RegistrationData:
    answers = {question["key"]: getattr(form, f"survey_{question['key']}").data or "" for question in survey}
    return services.RegistrationData(
        school_name=form.school_name.data or "",
        level=SchoolLevel(form.level.data),
        address=form.address.data or "",
        phone=form.phone.data or None,
        email=form.email.data or None,
        requested_slug=form.requested_slug.data or "",
        admin_full_name=form.admin_full_name.data or "",
        admin_email=form.admin_email.data or "",
        admin_phone=form.admin_phone.data or "",
        survey_answers=answers,
    )


@bp.route("/<invitation_token>", methods=["GET", "POST"])
@public
def register(invitation_token: str) -> ResponseReturnValue:
    """The form while the school may submit (or resubmit after a request for changes); else where it stands."""
    invitation = _invitation_or_404(invitation_token)
    campaign = invitation.campaign
    closed = can_submit(invitation, utcnow())
    if closed is not None:
        status = 409 if request.method == "POST" else 200
        return render_template("campaigns/register_status.html", invitation=invitation, reason=_(closed)), status
    survey = list(campaign.survey or [])
    form = registration_form(survey, data=None if request.method == "POST" else _prefill(invitation))
    if form.validate_on_submit():
        try:
            services.register(invitation, _data(form, survey), utcnow())
        except services.RegistrationRefused as exc:
            form.requested_slug.errors = [_(str(exc))]
        else:
            return render_template("campaigns/register_status.html", invitation=invitation, reason=None)
    registration = invitation.registration
    return render_template(
        "campaigns/register.html",
        invitation=invitation,
        campaign=campaign,
        form=form,
        survey_fields=[getattr(form, f"survey_{question['key']}") for question in survey],
        changes=registration.decision_note
        if registration is not None and registration.status == RegistrationStatus.CHANGES_REQUESTED
        else None,
        token=invitation_token,
    )


@bp.route("/<invitation_token>/slug")
@public
def check_slug(invitation_token: str) -> ResponseReturnValue:
    """The live check of a requested address: {"ok": bool, "message": str}."""
    invitation = _invitation_or_404(invitation_token)
    slug = request.args.get("slug", "").strip().lower()
    problem = services.slug_problem(slug, invitation)
    return jsonify(ok=problem is None, message=_(problem) if problem else _("This address is available."))
