"""Forms of account recovery and the second factor."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from contactbook.accounts.services.two_factor import KINDS
from contactbook.inputs import one_line
from contactbook.subscriptions.forms import MultiCheckboxField

KIND_LABELS = {
    "school_admin": _l("School admins"),
    "officer": _l("Authority officers"),
    "operator": _l("Platform operators"),
}


class ForgotForm(FlaskForm):
    username = StringField(_l("Username"), filters=[one_line], validators=[DataRequired(), Length(max=64)])


class SetPasswordForm(FlaskForm):
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two new passwords differ."))],
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        filters=[one_line],
        validators=[DataRequired(), Length(max=32)],
    )


class RequiredForm(FlaskForm):
    kinds = MultiCheckboxField(
        _l("Accounts that must use two-factor sign-in"),
        choices=[SelectChoice(kind, KIND_LABELS[kind]) for kind in KINDS],
    )
