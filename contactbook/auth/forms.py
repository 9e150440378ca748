"""Forms of logging in, out, changing password and choosing the language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length

from contactbook.inputs import one_line


class LoginForm(FlaskForm):
    # Without control characters: PostgreSQL refuses a NUL in a query's text (and the audit row keeps the name).
    username = StringField(_l("Username"), filters=[one_line], validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    next = HiddenField()


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two new passwords differ."))],
    )


class PostForm(FlaskForm):
    """A form with nothing but its CSRF token, for buttons such as Log out."""


class LanguageForm(FlaskForm):
    lang = HiddenField(validators=[AnyOf(["vi", "en"])])
    next = HiddenField()
