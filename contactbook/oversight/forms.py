"""The operator's form for a school's platform fee of one school year."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from contactbook.inputs import Within, one_line
from contactbook.roster.forms import DATE_FORMATS
from contactbook.subscriptions.payment_forms import AmountField
from contactbook.timezones import school_today

EARLIEST = date(2000, 1, 1)


def _latest(form: object) -> date:
    return school_today() + timedelta(days=366)


def _range(earliest: date | object, latest: date | object) -> str:
    return str(_l("Write a date between 01/01/2000 and a year from today."))


class PlatformFeeForm(FlaskForm):
    school_year = StringField(
        _l("School year"),
        filters=[one_line],
        validators=[
            InputRequired(message=_l("Write the school year, for example 2026-2027.")),
            Regexp(
                r"^[0-9]{4}-[0-9]{4}$",
                message=_l("Write the school year as two consecutive years, for example 2026-2027."),
            ),
        ],
    )
    amount = AmountField(
        _l("Yearly fee (đồng)"),
        validators=[InputRequired(message=_l("Write the amount."))],
        description=_l("Whole đồng, for example 1.200.000."),
    )
    invoiced_on = DateField(
        _l("Invoiced on (optional)"),
        format=DATE_FORMATS,
        validators=[Optional(), Within(lambda form: EARLIEST, _latest, _range)],
    )
    paid_on = DateField(
        _l("Paid on (optional)"),
        format=DATE_FORMATS,
        validators=[Optional(), Within(lambda form: EARLIEST, _latest, _range)],
    )
    note = StringField(
        _l("Invoice number or note (optional)"), filters=[one_line], validators=[Optional(), Length(max=200)]
    )
