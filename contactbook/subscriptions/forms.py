"""Forms of the paid service's pages: the switch, settings, plans, consent forms, opt-out and exemptions."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from contactbook.inputs import NEEDS_LETTERS, one_line
from contactbook.models import PlanPeriod
from contactbook.roster.forms import DATE_FORMATS
from contactbook.subscriptions.labels import (
    CATEGORY_LABELS,
    CONSENT_METHOD_LABELS,
    PERIOD_LABELS,
    PURPOSE_LABELS,
)
from contactbook.subscriptions.rules import ESSENTIAL_CHOICES, PURPOSES
from contactbook.subscriptions.services.payments import MAX_AMOUNT
from contactbook.subscriptions.services.settings import MAX_SEGMENT_PRICE

# Whole đồng, as typed: 50000, or grouped by thousands with dots or spaces (50.000, 50 000).
WHOLE_DONG = re.compile(r"^(?:\d+|\d{1,3}(?:[.\s]\d{3})+)$")
CURRENCY_SUFFIX = re.compile(r"\s*(?:đồng|đ|vnđ|vnd|d)$", re.IGNORECASE)


class PriceError(ValueError):
    """A typed price that is not a whole number of đồng; the message says why (translated lazily)."""


def parse_price(text: str) -> int:
    """The whole đồng in a price as typed (`50.000`, `50 000`, `50000 đ`); decimals and other text refused."""
    value = CURRENCY_SUFFIX.sub("", " ".join(text.split()))
    if WHOLE_DONG.match(value):
        amount = int(re.sub(r"\D", "", value))
        if amount > MAX_AMOUNT:
            raise PriceError(_l("The price is too large."))
        return amount
    if re.fullmatch(r"[\d.\s]*[.,]\d*", value) and any(c.isdigit() for c in value):
        # A comma is the decimal mark in Vietnamese; a dot not followed by three digits is one too.
        raise PriceError(_l("Write the price in whole đồng, without decimals, for example 50.000."))
    raise PriceError(_l("Write the price as a number of đồng, for example 50.000."))


class PriceField(StringField):
    """A text box for a price in whole đồng; `data` is the amount (an int), or None when it is not one."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw_text = valuelist[0] if valuelist else ""
        self.data = None
        if not self.raw_text.strip():
            return  # InputRequired reports it
        try:
            self.data = parse_price(self.raw_text)
        except PriceError as exc:
            raise ValueError(exc.args[0]) from None

    def _value(self) -> str:
        if getattr(self, "raw_text", None) is not None:
            return str(self.raw_text)
        return "" if self.data is None else f"{self.data:,}".replace(",", ".")


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; unticked boxes send nothing, so `data` is the ticked values."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        # No box ticked is a valid answer (the service says when it is not enough).
        if self.data:
            super().pre_validate(form)


class SwitchForm(FlaskForm):
    """Turn the paid service on or off, after ticking the box that says what it means."""

    enabled = HiddenField(validators=[AnyOf(["0", "1"])])
    confirm = BooleanField(_l("I confirm"))


class SettingsForm(FlaskForm):
    free_categories = MultiCheckboxField(
        _l("Free essential messages (emailed to every family at no charge)"),
        choices=[SelectChoice(c.value, CATEGORY_LABELS[c]) for c in ESSENTIAL_CHOICES],
    )
    allow_unpaid_start = BooleanField(_l("Start the service before the fee is paid"))
    unpaid_flag_days = IntegerField(
        _l("Flag an unpaid subscription after (days)"),
        validators=[InputRequired(), NumberRange(min=1, max=365, message=_l("From 1 to 365 days."))],
    )
    reminder_days = IntegerField(
        _l("Remind families before their subscription ends (days)"),
        validators=[InputRequired(), NumberRange(min=1, max=60, message=_l("From 1 to 60 days."))],
    )


# A local hour as typed: 21:00, 21h, 21 (minutes may only be 00: the hours are stored whole).
HOUR = re.compile(r"^(\d{1,2})(?:\s*(?::|h|g|giờ)\s*(\d{2})?)?$", re.IGNORECASE)


class HourField(StringField):
    """A text box for a whole local hour (HH:MM with minutes 00); `data` is the hour 0–23, or None."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw_text = valuelist[0] if valuelist else ""
        self.data = None
        text = self.raw_text.strip()
        if not text:
            return  # InputRequired reports it
        found = HOUR.match(text)
        if found is None or int(found.group(1)) > 23:
            raise ValueError(_l("Write an hour from 00:00 to 23:00, for example 21:00."))
        if (found.group(2) or "00") != "00":
            raise ValueError(_l("Only whole hours are possible (minutes 00), for example 21:00."))
        self.data = int(found.group(1))

    def _value(self) -> str:
        if getattr(self, "raw_text", None) is not None:
            return str(self.raw_text)
        return "" if self.data is None else f"{self.data:02d}:00"


class DeliverySettingsForm(FlaskForm):
    """When messages go and what an SMS segment costs the family (`ServiceSettings`)."""

    quiet_start_hour = HourField(
        _l("Quiet hours start at"),
        validators=[InputRequired(message=_l("Enter the hour the quiet hours start."))],
        description=_l("No message except an urgent one is sent from this hour, for example 21:00."),
    )
    quiet_end_hour = HourField(
        _l("Quiet hours end at"),
        validators=[InputRequired(message=_l("Enter the hour the quiet hours end."))],
        description=_l("Held messages go out from this hour, for example 07:00 (the next morning)."),
    )
    digest_hour = HourField(
        _l("Daily digest at"),
        validators=[InputRequired(message=_l("Enter the hour of the daily digest."))],
        description=_l("Families who chose one message a day receive it at this hour, for example 18:00."),
    )
    sms_segment_price = PriceField(
        _l("Price per SMS segment (đồng)"),
        validators=[
            InputRequired(message=_l("Enter the price per SMS segment.")),
            NumberRange(min=0, max=MAX_SEGMENT_PRICE, message=_l("From 0 to 10.000 đồng.")),
        ],
        description=_l("Whole đồng; a long SMS counts several segments."),
    )

    def chosen(self) -> dict[str, int]:
        """The validated values, by the names of the settings."""
        names = ("quiet_start_hour", "quiet_end_hour", "digest_hour", "sms_segment_price")
        return {name: int(self[name].data) for name in names}

    def validate_quiet_end_hour(self, field: HourField) -> None:
        if field.data is not None and field.data == self.quiet_start_hour.data:
            raise ValidationError(_l("The quiet hours must start and end at different times."))


class PlanForm(FlaskForm):
    name = StringField(_l("Plan name"), filters=[one_line], validators=[DataRequired(), Length(max=100)])
    price = PriceField(
        _l("Price (đồng)"),
        validators=[InputRequired()],
        description=_l("Whole đồng, for example 50.000."),
    )
    period = SelectField(
        _l("Period"),
        choices=[SelectChoice(p.value, PERIOD_LABELS[p]) for p in PlanPeriod],
        validate_choice=True,
    )
    sms = BooleanField(_l("SMS"))
    email = BooleanField(_l("Email"))
    digest_only = BooleanField(_l("Daily digest only (one message a day)"))


class PlanActiveForm(FlaskForm):
    active = HiddenField(validators=[AnyOf(["0", "1"])])


class SubscriptionForm(FlaskForm):
    """A family's consent form, as written on paper (or given on the portal)."""

    plan_id = SelectField(_l("Plan"), coerce=int, validate_choice=True)
    sms = BooleanField(_l("SMS"))
    email = BooleanField(_l("Email"))
    digest = BooleanField(_l("Daily digest (one message a day)"))
    starts_on = DateField(_l("Start date"), format=DATE_FORMATS, validators=[InputRequired()])
    purposes = MultiCheckboxField(
        _l("Purposes the family consents to"),
        choices=[SelectChoice(p, PURPOSE_LABELS[p]) for p in PURPOSES],
    )
    given_by = StringField(
        _l("Consent given by"), filters=[one_line], validators=[DataRequired(), Length(max=200), NEEDS_LETTERS]
    )
    method = RadioField(
        _l("How the consent was given"),
        choices=[SelectChoice(m, label) for m, label in CONSENT_METHOD_LABELS.items()],
        default="paper",
        validate_choice=True,
    )
    child_consent = BooleanField(_l("The student also gave their own consent (required from age 7)"))


class WithdrawForm(FlaskForm):
    purpose = HiddenField(validators=[AnyOf(list(PURPOSES))])


class DigestForm(FlaskForm):
    choice = HiddenField(validators=[AnyOf(["digest", "instant"])])


class QuoteForm(FlaskForm):
    """The day from which a family would opt out (a GET form: no CSRF token needed to look)."""

    class Meta:
        csrf = False

    stop_on = DateField(_l("Stop from"), format=DATE_FORMATS, validators=[InputRequired()])


class OptOutForm(FlaskForm):
    stop_on = DateField(_l("Stop from"), format=DATE_FORMATS, validators=[InputRequired()])
    reason = StringField(_l("Reason (optional)"), filters=[one_line], validators=[Optional(), Length(max=200)])
    confirm = BooleanField(_l("The family asked to stop; I have checked the amounts above"))


class ExemptionForm(FlaskForm):
    action = HiddenField(validators=[AnyOf(["set", "remove"])])
    reason = StringField(_l("Reason for the exemption"), filters=[one_line], validators=[Length(max=200)])
