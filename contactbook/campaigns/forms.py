"""Forms of the campaigns: the officer's (campaign, invitation, list, decisions) and the school's registration."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, EmailField, Field, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from contactbook.campaigns.rules import FREQUENCIES
from contactbook.inputs import NEEDS_LETTERS, SCHOOL_PHONE_PROBLEM, Within, is_school_phone, one_line, paragraphs
from contactbook.phones import normalize_vn_phone
from contactbook.platform.forms import SCHOOL_LEVELS
from contactbook.tenancy import SLUG_PATTERN

MAX_FEE = 1_000_000_000
MAX_EXTRA_QUESTIONS = 5
DATES = Within(
    lambda form: date(2000, 1, 1),
    lambda form: date(2100, 12, 31),
    lambda earliest, latest: str(_l("A date from 2000 to 2100.")),
)
# A ceiling caps the plans' prices, which are positive: 0 đ would forbid every plan.
CEILING_MESSAGE = _l("A price ceiling is a positive number of đồng, at most 1,000,000,000.")


def _reminder_days(form: Any, field: Field) -> None:
    parts = [part.strip() for part in (field.data or "").split(",") if part.strip()]
    if not all(part.isascii() and part.isdigit() and int(part) <= 60 for part in parts) or len(parts) > 10:
        raise ValidationError(str(_l("Days before the deadline, from 0 to 60, separated by commas (e.g. 7, 3, 1).")))


def _mobile(form: Any, field: Field) -> None:
    if not field.data:
        return
    try:
        field.data = normalize_vn_phone(field.data)
    except ValueError as exc:
        raise ValidationError(str(_l("A Vietnamese mobile number, e.g. 0912 345 678."))) from exc


def _consecutive_years(form: Any, field: Field) -> None:
    first, _, second = (field.data or "").partition("-")
    if first.isdigit() and second.isdigit() and int(second) != int(first) + 1:
        raise ValidationError(str(_l("For example 2026-2027.")))


def _school_phone(form: Any, field: Field) -> None:
    if field.data and not is_school_phone(field.data):  # the rule the public page's contacts keep later
        raise ValidationError(str(_l(SCHOOL_PHONE_PROBLEM)))


class CampaignForm(FlaskForm):
    title = StringField(_l("Title"), filters=[one_line], validators=[DataRequired(), Length(max=200), NEEDS_LETTERS])
    school_year = StringField(
        _l("School year"),
        filters=[one_line],
        validators=[
            DataRequired(),
            Regexp(r"^20[0-9]{2}-20[0-9]{2}$", message=_l("For example 2026-2027.")),
            _consecutive_years,
        ],
    )
    opens_on = DateField(_l("Opens on"), format=["%Y-%m-%d"], validators=[InputRequired(), DATES])
    deadline = DateField(_l("Deadline"), format=["%Y-%m-%d"], validators=[InputRequired(), DATES])
    document_ref = StringField(_l("Document"), filters=[one_line], validators=[Optional(), Length(max=300)])
    website_fee = IntegerField(
        _l("Yearly website fee per school (VND)"),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=MAX_FEE, message=_l("From 0 to 1,000,000,000 VND."))],
    )
    max_price_month = IntegerField(
        _l("Price ceiling of a monthly family plan (VND)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_FEE, message=CEILING_MESSAGE)],
    )
    max_price_year = IntegerField(
        _l("Price ceiling of a yearly family plan (VND)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_FEE, message=CEILING_MESSAGE)],
    )
    ask_has_website = BooleanField(_l("Does the unit run a website today?"), default=True)
    ask_website_address = BooleanField(_l("At which address?"), default=True)
    ask_website_use = BooleanField(_l("What is it used for?"), default=True)
    ask_update_frequency = BooleanField(_l("How often is it updated?"), default=True)
    extra_questions = TextAreaField(
        _l("Other questions (one per line)"), filters=[paragraphs], validators=[Optional(), Length(max=2000)]
    )
    allow_late = BooleanField(_l("Accept late registrations (marked late)"))
    reminder_days = StringField(_l("Reminder days before the deadline"), default="7, 3, 1", validators=[_reminder_days])

    def validate_deadline(self, field: Field) -> None:
        if self.opens_on.data and field.data and field.data < self.opens_on.data:
            raise ValidationError(str(_l("The deadline cannot come before the opening date.")))

    def validate_extra_questions(self, field: Field) -> None:
        lines = [line for line in (field.data or "").split("\n") if line.strip()]
        if len(lines) > MAX_EXTRA_QUESTIONS or any(len(line) > 200 for line in lines):
            raise ValidationError(str(_l("At most 5 questions of 200 characters each.")))

    def days(self) -> list[int]:
        return [int(part) for part in (self.reminder_days.data or "").split(",") if part.strip()]


class InvitationForm(FlaskForm):
    school_name = StringField(
        _l("School name"), filters=[one_line], validators=[DataRequired(), Length(max=200), NEEDS_LETTERS]
    )
    level = SelectField(_l("Level"), choices=SCHOOL_LEVELS, validate_choice=True)
    email = EmailField(_l("Email"), filters=[one_line], validators=[DataRequired(), Email(), Length(max=254)])
    authority_id = SelectField(_l("Authority"), coerce=int, validate_choice=True)


class ImportForm(FlaskForm):
    file = FileField(_l("List of schools (.xlsx or .csv)"), validators=[FileRequired()])


class ChangesForm(FlaskForm):
    note = TextAreaField(
        _l("Changes needed"), filters=[paragraphs], validators=[DataRequired(), Length(max=2000), NEEDS_LETTERS]
    )


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"), filters=[paragraphs], validators=[DataRequired(), Length(max=2000), NEEDS_LETTERS]
    )


class ApproveForm(FlaskForm):
    """Only the CSRF token: approving takes no input."""


class CloseForm(FlaskForm):
    """Closing a campaign: the officer confirms it with a tick (the page says what closing does)."""

    confirmed = BooleanField(
        _l("Close this campaign now"),
        validators=[DataRequired(message=_l("Tick the box to confirm closing the campaign."))],
    )


class RegistrationForm(FlaskForm):
    """The school's registration; the campaign's survey questions are added per campaign (`registration_form`)."""

    school_name = StringField(
        _l("School name"), filters=[one_line], validators=[DataRequired(), Length(max=200), NEEDS_LETTERS]
    )
    level = SelectField(_l("Level"), choices=SCHOOL_LEVELS, validate_choice=True)
    address = StringField(_l("Address"), filters=[one_line], validators=[DataRequired(), Length(max=300)])
    phone = StringField(_l("School phone"), filters=[one_line], validators=[Optional(), _school_phone])
    email = EmailField(_l("School email"), filters=[one_line], validators=[Optional(), Email(), Length(max=254)])
    requested_slug = StringField(
        _l("Requested address (slug)"),
        filters=[one_line, lambda value: value.lower() if isinstance(value, str) else value],
        validators=[
            DataRequired(),
            Length(max=63),
            Regexp(f"^{SLUG_PATTERN}$", message=_l("Lowercase letters, digits and dashes only, e.g. thcs-nguyen-du.")),
        ],
    )
    admin_full_name = StringField(
        _l("Admin's full name"), filters=[one_line], validators=[DataRequired(), Length(max=200), NEEDS_LETTERS]
    )
    admin_email = EmailField(
        _l("Admin email"), filters=[one_line], validators=[DataRequired(), Email(), Length(max=254)]
    )
    admin_phone = StringField(_l("Admin phone"), filters=[one_line], validators=[DataRequired(), _mobile])


YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]


def registration_form(survey: list[dict[str, Any]], **kwargs: Any) -> RegistrationForm:
    """The registration form with one field `survey_<key>` per question of the campaign's survey."""
    from flask_babel import gettext as _

    class CampaignRegistrationForm(RegistrationForm):
        pass

    for question in survey:
        label = _(str(question.get("question", "")))
        required = [InputRequired()] if question.get("required") else [Optional()]
        kind = question.get("kind")
        name = f"survey_{question.get('key')}"
        field: Any
        if kind == "yes_no":
            field = SelectField(label, choices=[("", "—"), *YES_NO], validators=required)
        elif kind == "choice":
            choices = [(key, _(FREQUENCIES.get(key, key))) for key in question.get("choices", [])]
            field = SelectField(label, choices=[("", "—"), *choices], validators=required)
        else:
            field = StringField(label, filters=[one_line], validators=[*required, Length(max=500)])
        setattr(CampaignRegistrationForm, name, field)
    return CampaignRegistrationForm(**kwargs)
