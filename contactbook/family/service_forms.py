"""Forms of the family's own subscription pages: subscribe with consent, stop, channels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from contactbook.inputs import NEEDS_LETTERS, one_line
from contactbook.subscriptions.forms import MultiCheckboxField
from contactbook.subscriptions.labels import PURPOSE_LABELS
from contactbook.subscriptions.rules import PURPOSES

DELIVERY_CHOICES = [
    SelectChoice("instant", _l("Each message as it comes")),
    SelectChoice("digest", _l("One daily digest")),
]


def _purposes() -> MultiCheckboxField:
    return MultiCheckboxField(
        _l("I agree that the school sends me"), choices=[SelectChoice(p, PURPOSE_LABELS[p]) for p in PURPOSES]
    )


class FamilySubscribeForm(FlaskForm):
    """Subscribing in the portal: plan, channels, delivery, consent per purpose, the child's own agreement."""

    plan_id = RadioField(_l("Plan"), coerce=int, validate_choice=True, validators=[InputRequired()])
    sms = BooleanField(_l("SMS"))
    email = BooleanField(_l("Email"))
    delivery = RadioField(_l("How messages come"), choices=DELIVERY_CHOICES, default="instant", validate_choice=True)
    purposes = _purposes()
    given_by = StringField(
        _l("Your full name"), filters=[one_line], validators=[DataRequired(), Length(max=200), NEEDS_LETTERS]
    )
    child_agrees = BooleanField(_l("My child has read this with me and agrees too"))
    # "1" once the family saw the price and confirmed ("edit": back to the choices); until then the answer is
    # the confirmation step.
    confirmed = HiddenField(validators=[Optional(), AnyOf(["0", "1", "edit"])], default="0")


class FamilyStopForm(FlaskForm):
    confirm = BooleanField(_l("I want to stop the service from today"))


class FamilyChannelsForm(FlaskForm):
    """The channels from now on; for a channel added, consent to its purposes (and the child's, from age 7)."""

    sms = BooleanField(_l("SMS"))
    email = BooleanField(_l("Email"))
    purposes = _purposes()
    child_agrees = BooleanField(_l("My child has read this with me and agrees too"))
