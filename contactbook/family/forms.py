"""Forms of the family sign-in: a mobile number or an email address, then the code."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, Field, HiddenField, StringField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from contactbook.family.codes import plain_code
from contactbook.inputs import one_line
from contactbook.phones import TOO_MANY, normalize_vn_phone

MAX_TYPED = 40  # a number with its spaces, dots and +84: far longer is not one


def e164_of(field: Field) -> str:
    """The E.164 form of a phone field's number; a validation error saying what is wrong otherwise."""
    typed = str(field.data or "")
    if len(typed) > MAX_TYPED:
        raise ValidationError(_(TOO_MANY))
    try:
        return normalize_vn_phone(typed)
    except ValueError as exc:
        raise ValidationError(_(str(exc))) from None


class PhoneForm(FlaskForm):
    """Step one by phone: the number the school has."""

    phone = StringField(_l("Mobile number"), filters=[one_line], validators=[DataRequired()])
    next = HiddenField()

    def validate_phone(self, field: Field) -> None:
        self.e164 = e164_of(field)


class EmailForm(FlaskForm):
    """Step one by email: the address the school has."""

    email = EmailField(
        _l("Email address"),
        filters=[one_line],
        validators=[
            DataRequired(),
            Length(max=254, message=_l("An email address has at most 254 characters.")),
            Email(message=_l("Type an email address, such as ten@example.vn.")),
        ],
    )
    next = HiddenField()


class CodeForm(FlaskForm):
    """Step two: the code the SMS brought, for the number of step one."""

    phone = HiddenField(validators=[DataRequired()])
    code = StringField(_l("Code from the SMS"), filters=[one_line], validators=[DataRequired()])
    next = HiddenField()

    def validate_phone(self, field: Field) -> None:
        self.e164 = e164_of(field)

    def validate_code(self, field: Field) -> None:
        digits = plain_code(str(field.data or ""))
        if digits is None:
            raise ValidationError(_("Type the 6 digits of the code."))
        self.digits = digits


class LinkForm(FlaskForm):
    """The button of an emailed link's page (a link scanner's visit must not use the link up)."""

    token = HiddenField(validators=[DataRequired(), Length(max=80)])
