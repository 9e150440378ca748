"""The officer's decision on a registration: approve (the school, its domain, its admin), ask for changes, decline.

Every decision is audited and emailed to the school. Approval creates the tenant and its one admin account
with a random password nobody knows: the admin sets its own through the single-use set-up link emailed to it.
"""

from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from contactbook.accounts.services import mail, tokens
from contactbook.audit import services as audit
from contactbook.auth.rules import Role
from contactbook.campaigns.links import registration_link, setup_link
from contactbook.campaigns.rules import slug_format_problem
from contactbook.campaigns.services.campaigns import EMAIL_LOCALE, hold
from contactbook.extensions import db
from contactbook.i18n import N_
from contactbook.models import Grant, PlatformFee, School, SchoolStatus, TokenPurpose, User
from contactbook.models.base import utcnow
from contactbook.models.registration import RegistrationStatus, SchoolRegistration
from contactbook.platform.services import slug_available
from contactbook.schools.services import new_user
from contactbook.tenancy import school_scope

ADMIN_USERNAME = "admin"


class ReviewError(ValueError):
    """A decision that cannot be taken; the message says why (to translate when shown)."""


def _unknown_password() -> str:
    """A password nobody knows that the password policy accepts whatever the draw: a letter and a digit around
    256 random bits in hex (whose letters, a to f, never spell the username `admin`)."""
    return f"x{secrets.token_hex(32)}0"


def _check_undecided(
    registration: SchoolRegistration, waiting: tuple[RegistrationStatus, ...] = (RegistrationStatus.SUBMITTED,)
) -> None:
    """Refuse unless the registration is in one of the `waiting` states; its row is held until the commit, so a
    second decision at the same time (a double click) waits for the first and then finds it decided."""
    db.session.scalar(select(SchoolRegistration.id).where(SchoolRegistration.id == registration.id).with_for_update())
    db.session.refresh(registration)
    if registration.status not in waiting:
        raise ReviewError(N_("This registration is not waiting for a decision."))


def _decide(registration: SchoolRegistration, officer: User, status: RegistrationStatus, note: str | None) -> None:
    registration.status = status
    registration.decided_at = utcnow()
    registration.decided_by_id = officer.id
    registration.decision_note = note
    audit.record(
        f"registration.{status.value}",
        actor=officer,
        school_id=None,
        target=registration,
        campaign_id=registration.campaign_id,
        note=note,
    )
    db.session.flush()  # the platform's audit row, before any school's scope


def _tell_school(registration: SchoolRegistration, subject: str, body: str) -> None:
    mail.queue(registration.invitation.email, subject, body)


def approve(registration: SchoolRegistration, officer: User) -> School:
    """Create the school at `<slug>.<BASE_DOMAIN>`, its admin (set-up link emailed) and the year's platform fee."""
    _check_undecided(registration)
    slug = registration.requested_slug
    if slug_format_problem(slug) is not None or not slug_available(slug):
        raise ReviewError(N_("This school address is already taken."))
    campaign = registration.campaign
    school = School(
        authority_id=registration.invitation.authority_id,
        name=registration.school_name,
        slug=slug,
        domain=f"{slug}.{current_app.config['BASE_DOMAIN']}",
        level=registration.level,
        status=SchoolStatus.ACTIVE,
        address=registration.address,
        phone=registration.phone,
        email=registration.email,
    )
    db.session.add(school)
    db.session.flush()
    registration.created_school_id = school.id
    _decide(registration, officer, RegistrationStatus.APPROVED, None)
    with school_scope(school.id), force_locale(EMAIL_LOCALE):  # the admin, its link and the fee are the school's
        audit.record("school.created", actor=officer, school_id=school.id, target=school, slug=slug)
        admin = new_user(
            school=school,
            username=ADMIN_USERNAME,
            full_name=registration.admin_full_name,
            password=_unknown_password(),  # nobody knows it: the set-up link sets the real one
            email=registration.admin_email,
        )
        admin.grants.append(Grant(school_id=school.id, kind="role", name=Role.SCHOOL_ADMIN, granted_by_id=None))
        audit.record("grant", actor=officer, school_id=school.id, target=admin, kind="role", name=Role.SCHOOL_ADMIN)
        if campaign.website_fee > 0:  # a campaign without a fee leaves the school's fee to the operator
            db.session.add(
                PlatformFee(
                    school_id=school.id,
                    school_year=campaign.school_year,
                    amount=campaign.website_fee,
                    changed_by_id=officer.id,
                )
            )
        token = tokens.issue(admin, TokenPurpose.SETUP)
        mail.queue(
            registration.admin_email,
            _("Set your password: %(school)s", school=school.name),
            _(
                "%(school)s is registered at https://%(domain)s. Your username is %(username)s.\n\n"
                "Set your password with this link (single use, valid for 72 hours):\n%(link)s",
                school=school.name,
                domain=school.domain,
                username=admin.username,
                link=setup_link(token),
            ),
        )
        _tell_school(
            registration,
            _("Registration approved: %(school)s", school=school.name),
            _(
                "The registration of %(school)s is approved. Its address is https://%(domain)s; its admin "
                "(%(email)s) has been sent a link to set a password.",
                school=school.name,
                domain=school.domain,
                email=registration.admin_email,
            ),
        )
        db.session.commit()
    return school


def _send_back(
    registration: SchoolRegistration,
    officer: User,
    status: RegistrationStatus,
    text: str,
    missing: str,
    email: tuple[str, str, str],
    **details: str,
) -> None:
    """Decide `status` with the officer's `text` (refused when empty: `missing`) and email the school, audited.

    `email` is the subject and body msgids and the body's variable naming the text; `details` its other variables.
    A registration sent back for changes may be declined too (the school never resubmitted, or the campaign
    closed before it could), not sent back again.
    """
    _check_undecided(registration, _SENT_BACK_FROM[status])
    text = text.strip()
    if not text:
        raise ReviewError(missing)
    _decide(registration, officer, status, text)
    subject, body, name = email
    with force_locale(EMAIL_LOCALE):
        school = registration.school_name
        _tell_school(registration, _(subject, school=school), _(body, school=school, **{name: text}, **details))
    db.session.commit()


_SENT_BACK_FROM = {
    RegistrationStatus.CHANGES_REQUESTED: (RegistrationStatus.SUBMITTED,),
    RegistrationStatus.DECLINED: (RegistrationStatus.SUBMITTED, RegistrationStatus.CHANGES_REQUESTED),
}


def request_changes(registration: SchoolRegistration, officer: User, note: str) -> None:
    """Send the registration back to the school with the changes asked for (it edits and resubmits)."""
    hold(registration.campaign)
    if registration.campaign.closed_at is not None:
        raise ReviewError(N_("This campaign is closed: the school could not resubmit. Approve or decline it."))
    _send_back(
        registration,
        officer,
        RegistrationStatus.CHANGES_REQUESTED,
        note,
        N_("Say which changes are needed."),
        (
            N_("Changes requested: %(school)s"),
            N_(
                "The education office asks for changes to the registration of %(school)s:\n\n%(note)s\n\n"
                "Edit and resubmit it at:\n%(link)s"
            ),
            "note",
        ),
        link=registration_link(registration.invitation_id),
    )


def decline(registration: SchoolRegistration, officer: User, reason: str) -> None:
    """Refuse the registration, with the reason the school is told."""
    _send_back(
        registration,
        officer,
        RegistrationStatus.DECLINED,
        reason,
        N_("Give the reason for declining."),
        (
            N_("Registration declined: %(school)s"),
            N_("The education office has declined the registration of %(school)s:\n\n%(reason)s"),
            "reason",
        ),
    )
