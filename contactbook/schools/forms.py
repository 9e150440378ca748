"""Forms of a school's staff administration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional, Regexp

from contactbook.inputs import NEEDS_LETTERS, one_line

USERNAME_RULE = Regexp(r"^[A-Za-z0-9._-]{3,64}$", message=_l("3 to 64 letters, digits, dots, dashes or underscores."))


class StaffForm(FlaskForm):
    full_name = StringField(
        _l("Full name"), filters=[one_line], validators=[DataRequired(), Length(max=200), NEEDS_LETTERS]
    )
    username = StringField(_l("Username"), validators=[DataRequired(), USERNAME_RULE])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=254)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=256)])


class GrantForm(FlaskForm):
    """Grant or revoke one role or permission; the service checks the name and the delegation rule."""

    action = HiddenField(validators=[AnyOf(["grant", "revoke"])])
    kind = HiddenField(validators=[AnyOf(["role", "permission"])])
    name = HiddenField(validators=[DataRequired(), Length(max=64)])


class ActiveForm(FlaskForm):
    active = HiddenField(validators=[AnyOf(["0", "1"])])
