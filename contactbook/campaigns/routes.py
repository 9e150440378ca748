"""The officer's campaign pages: only the campaigns of the officer's authority and the authorities below it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from contactbook.auth.access import authority_only
from contactbook.campaigns import services
from contactbook.campaigns.forms import (
    ApproveForm,
    CampaignForm,
    ChangesForm,
    CloseForm,
    DeclineForm,
    ImportForm,
    InvitationForm,
)
from contactbook.campaigns.importing import ListFileError, read_list
from contactbook.campaigns.rules import DEFAULT_SURVEY, FREQUENCIES
from contactbook.extensions import db
from contactbook.models import Authority, SchoolLevel
from contactbook.models.base import utcnow
from contactbook.models.registration import (
    CampaignInvitation,
    RegistrationCampaign,
    RegistrationStatus,
    SchoolRegistration,
)
from contactbook.platform.forms import SCHOOL_LEVELS
from contactbook.platform.services import authority_subtree_ids
from contactbook.tenancy import MAX_ID
from contactbook.timezones import school_today

bp = Blueprint("campaigns", __name__)


def _authority() -> Authority:
    return db.session.get(Authority, current_user.authority_id) or abort(404)


def _subtree() -> list[int]:
    return authority_subtree_ids(_authority().id)


def _campaign_or_404(campaign_id: int) -> RegistrationCampaign:
    campaign = db.session.get(RegistrationCampaign, campaign_id) if 0 < campaign_id <= MAX_ID else None
    if campaign is None or campaign.authority_id not in _subtree():
        abort(404)
    return campaign


def _registration_or_404(registration_id: int) -> SchoolRegistration:
    registration = db.session.get(SchoolRegistration, registration_id) if 0 < registration_id <= MAX_ID else None
    if registration is None or registration.campaign.authority_id not in _subtree():
        abort(404)
    return registration


def _authority_choices(subtree: list[int]) -> list[tuple[int, str]]:
    rows = db.session.scalars(select(Authority).where(Authority.id.in_(subtree)).order_by(Authority.name))
    return [(a.id, a.name) for a in rows]


def survey_answers(registration: SchoolRegistration) -> list[tuple[str, str]]:
    """Each survey question of the campaign with the school's answer, as the officer reads them."""
    labels = {"yes": _("Yes"), "no": _("No")} | {key: _(label) for key, label in FREQUENCIES.items()}
    answers = registration.survey_answers or {}
    lines = []
    for question in registration.campaign.survey or []:
        answer = str(answers.get(str(question.get("key")), "") or "")
        if question.get("kind") in ("yes_no", "choice"):
            answer = labels.get(answer, answer)
        lines.append((_(str(question.get("question", ""))), answer or "—"))
    return lines


def _closed_on(campaign: RegistrationCampaign) -> str | None:
    """The (school-local) day the campaign was closed, as written on its pages; None while it is open."""
    return school_today(campaign.closed_at).strftime("%d/%m/%Y") if campaign.closed_at is not None else None


@bp.route("/")
@authority_only
def index() -> ResponseReturnValue:
    """The campaigns of the officer's subtree, with how many schools were invited and registered."""
    campaigns = db.session.scalars(
        select(RegistrationCampaign)
        .where(RegistrationCampaign.authority_id.in_(_subtree()))
        .order_by(RegistrationCampaign.opens_on.desc(), RegistrationCampaign.id.desc())
    ).all()
    invited: dict[int, int] = {
        campaign_id: number
        for campaign_id, number in db.session.execute(
            select(CampaignInvitation.campaign_id, func.count()).group_by(CampaignInvitation.campaign_id)
        )
    }
    registered: dict[int, int] = {
        campaign_id: number
        for campaign_id, number in db.session.execute(
            select(SchoolRegistration.campaign_id, func.count()).group_by(SchoolRegistration.campaign_id)
        )
    }
    return render_template(
        "campaigns/index.html",
        authority=_authority(),
        campaigns=campaigns,
        invited=invited,
        registered=registered,
        closed_on=_closed_on,
    )


@bp.route("/new", methods=["GET", "POST"])
@authority_only
def new() -> ResponseReturnValue:
    form = CampaignForm()
    if form.validate_on_submit():
        survey = [question for question in DEFAULT_SURVEY if getattr(form, f"ask_{question['key']}").data]
        extra = [line.strip() for line in (form.extra_questions.data or "").split("\n") if line.strip()]
        survey += [
            {"key": f"extra_{number}", "question": text, "kind": "text", "required": False}
            for number, text in enumerate(extra, start=1)
        ]
        assert form.opens_on.data is not None and form.deadline.data is not None
        campaign = services.open_campaign(
            current_user,
            authority=_authority(),
            title=form.title.data or "",
            school_year=form.school_year.data or "",
            opens_on=form.opens_on.data,
            deadline=form.deadline.data,
            document_ref=form.document_ref.data or "",
            website_fee=form.website_fee.data or 0,
            max_price_month=form.max_price_month.data,
            max_price_year=form.max_price_year.data,
            survey=survey,
            allow_late=bool(form.allow_late.data),
            reminder_days=form.days(),
        )
        flash(_("Campaign opened."), "info")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    return render_template("campaigns/new.html", form=form)


def _campaign_subtree(campaign: RegistrationCampaign) -> list[int]:
    """The authorities whose schools `campaign` may invite: its own authority's subtree (within the officer's)."""
    return authority_subtree_ids(campaign.authority_id)


def _detail(
    campaign: RegistrationCampaign,
    invite_form: InvitationForm | None = None,
    import_form: ImportForm | None = None,
    problems: list[str] | None = None,
) -> ResponseReturnValue:
    subtree = _campaign_subtree(campaign)
    if invite_form is None:
        invite_form = InvitationForm(formdata=None, authority_id=campaign.authority_id)
    invite_form.authority_id.choices = _authority_choices(subtree)
    invitations = db.session.scalars(
        select(CampaignInvitation)
        .where(CampaignInvitation.campaign_id == campaign.id)
        .order_by(CampaignInvitation.school_name, CampaignInvitation.id)
    ).all()
    counts = {status: 0 for status in RegistrationStatus}
    for invitation in invitations:
        if invitation.registration is not None:
            counts[invitation.registration.status] += 1
    return render_template(
        "campaigns/detail.html",
        campaign=campaign,
        invitations=invitations,
        counts=counts,
        not_registered=sum(invitation.registration is None for invitation in invitations),
        invite_form=invite_form,
        import_form=import_form or ImportForm(formdata=None),
        close_form=CloseForm(formdata=None),
        closed_on=_closed_on(campaign),
        problems=problems or [],
    )


@bp.route("/<int:campaign_id>")
@authority_only
def detail(campaign_id: int) -> ResponseReturnValue:
    """The campaign: its terms, its invitations and where each school's registration stands."""
    return _detail(_campaign_or_404(campaign_id))


@bp.route("/<int:campaign_id>/invitations", methods=["POST"])
@authority_only
def invite(campaign_id: int) -> ResponseReturnValue:
    campaign = _campaign_or_404(campaign_id)
    form = InvitationForm()
    form.authority_id.choices = _authority_choices(_campaign_subtree(campaign))
    if not form.validate_on_submit():
        return _detail(campaign, invite_form=form)
    try:
        services.add_invitation(
            current_user,
            campaign,
            services.InvitationRow(
                form.school_name.data or "", SchoolLevel(form.level.data), form.email.data or "", form.authority_id.data
            ),
            _campaign_subtree(campaign),
        )
    except services.CampaignError as exc:
        flash(_(str(exc)), "error")
    else:
        flash(_("Invitation sent."), "info")
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/import", methods=["POST"])
@authority_only
def import_list(campaign_id: int) -> ResponseReturnValue:
    """Invite every school of a list, or none: each wrong row is shown with its line number."""
    campaign = _campaign_or_404(campaign_id)
    form = ImportForm()
    if not form.validate_on_submit():
        return _detail(campaign, import_form=form)
    subtree = _campaign_subtree(campaign)
    authorities = {name.lower(): ident for ident, name in _authority_choices(subtree)}
    upload = form.file.data
    try:
        read = read_list(
            upload.filename or "", upload.read(), authorities, campaign.authority_id, services.invited_keys(campaign)
        )
    except ListFileError as exc:
        return _detail(campaign, import_form=form, problems=[_(str(exc))])
    if read.problems:
        problems = [_("Row %(line)s: %(problem)s", line=p.line, problem=_(p.message)) for p in read.problems]
        return _detail(campaign, import_form=form, problems=[_("Nothing was imported."), *problems])
    try:
        services.import_invitations(current_user, campaign, read.rows, subtree)
    except services.CampaignError as exc:
        flash(_(str(exc)), "error")
    else:
        flash(_("%(count)s invitations sent.", count=len(read.rows)), "info")
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/close", methods=["POST"])
@authority_only
def close(campaign_id: int) -> ResponseReturnValue:
    """Close the campaign once the officer has ticked the confirmation; closing it twice is refused."""
    campaign = _campaign_or_404(campaign_id)
    form = CloseForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(_("Tick the box to confirm closing the campaign."), "error")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    try:
        services.close_campaign(current_user, campaign, utcnow())
    except services.CampaignError as exc:
        flash(_(str(exc)), "error")
    else:
        flash(_("Campaign closed: schools can no longer register or resubmit."), "info")
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


@bp.route("/registrations/<int:registration_id>")
@authority_only
def registration(registration_id: int) -> ResponseReturnValue:
    """A school's registration, its survey answers, and the decision forms while it waits for one."""
    found = _registration_or_404(registration_id)
    return render_template(
        "campaigns/registration.html",
        registration=found,
        level=dict(SCHOOL_LEVELS).get(found.level.value, found.level.value),
        answers=survey_answers(found),
        approve_form=ApproveForm(formdata=None),
        changes_form=ChangesForm(formdata=None),
        decline_form=DeclineForm(formdata=None),
        waiting=found.status == RegistrationStatus.SUBMITTED,
        # A school asked for changes that never resubmits (or cannot: the campaign closed) can be declined.
        declinable=found.status in (RegistrationStatus.SUBMITTED, RegistrationStatus.CHANGES_REQUESTED),
        closed=found.campaign.closed_at is not None,
    )


def _decided(registration: SchoolRegistration, message: str) -> ResponseReturnValue:
    flash(message, "info")
    return redirect(url_for("campaigns.detail", campaign_id=registration.campaign_id))


def _refused(registration: SchoolRegistration, error: services.ReviewError) -> ResponseReturnValue:
    flash(_(str(error)), "error")
    return redirect(url_for("campaigns.registration", registration_id=registration.id))


@bp.route("/registrations/<int:registration_id>/approve", methods=["POST"])
@authority_only
def approve(registration_id: int) -> ResponseReturnValue:
    found = _registration_or_404(registration_id)
    if not ApproveForm().validate_on_submit():
        abort(400)
    try:
        school = services.approve(found, current_user)
    except services.ReviewError as exc:
        return _refused(found, exc)
    return _decided(found, _("Approved: %(name)s is registered at %(domain)s.", name=school.name, domain=school.domain))


@bp.route("/registrations/<int:registration_id>/changes", methods=["POST"])
@authority_only
def request_changes(registration_id: int) -> ResponseReturnValue:
    found = _registration_or_404(registration_id)
    form = ChangesForm()
    if not form.validate_on_submit():
        flash(_("Say which changes are needed."), "error")
        return redirect(url_for("campaigns.registration", registration_id=found.id))
    try:
        services.request_changes(found, current_user, form.note.data or "")
    except services.ReviewError as exc:
        return _refused(found, exc)
    return _decided(found, _("The school has been asked for changes."))


@bp.route("/registrations/<int:registration_id>/decline", methods=["POST"])
@authority_only
def decline(registration_id: int) -> ResponseReturnValue:
    found = _registration_or_404(registration_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for declining."), "error")
        return redirect(url_for("campaigns.registration", registration_id=found.id))
    try:
        services.decline(found, current_user, form.reason.data or "")
    except services.ReviewError as exc:
        return _refused(found, exc)
    return _decided(found, _("Registration declined."))
