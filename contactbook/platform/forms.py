"""Forms of the platform operator: authorities, schools and officers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional, Regexp

from contactbook.inputs import NEEDS_LETTERS, one_line
from contactbook.models import AuthorityKind, SchoolLevel
from contactbook.schools.forms import USERNAME_RULE

AUTHORITY_KINDS = [
    (AuthorityKind.PROVINCE.value, _l("Provincial department of education")),
    (AuthorityKind.DISTRICT.value, _l("District education office")),
    (AuthorityKind.WARD_COMMUNE.value, _l("Ward/commune People's Committee")),
]
SCHOOL_LEVELS = [
    (SchoolLevel.PRESCHOOL.value, _l("Preschool")),
    (SchoolLevel.PRIMARY.value, _l("Primary")),
    (SchoolLevel.LOWER_SECONDARY.value, _l("Lower secondary")),
    (SchoolLevel.UPPER_SECONDARY.value, _l("Upper secondary")),
]


class AuthorityForm(FlaskForm):
    name = StringField(_l("Name"), filters=[one_line], validators=[DataRequired(), Length(max=200), NEEDS_LETTERS])
    kind = SelectField(_l("Kind"), choices=AUTHORITY_KINDS)
    parent_id = SelectField(_l("Parent authority"), coerce=int, validate_choice=True)


class SchoolForm(FlaskForm):
    name = StringField(
        _l("School name"), filters=[one_line], validators=[DataRequired(), Length(max=200), NEEDS_LETTERS]
    )
    slug = StringField(
        _l("Address (slug)"),
        validators=[
            DataRequired(),
            Regexp(
                r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$",
                message=_l("Lowercase letters, digits and dashes only, e.g. thcs-nguyen-du."),
            ),
        ],
    )
    level = SelectField(_l("Level"), choices=SCHOOL_LEVELS)
    authority_id = SelectField(_l("Authority"), coerce=int, validate_choice=True)
    admin_full_name = StringField(
        _l("Admin's full name"), filters=[one_line], validators=[DataRequired(), Length(max=200), NEEDS_LETTERS]
    )
    admin_username = StringField(_l("Admin username"), validators=[DataRequired(), USERNAME_RULE])
    admin_email = EmailField(_l("Admin email"), validators=[Optional(), Email(), Length(max=254)])
    admin_password = PasswordField(_l("Admin's initial password"), validators=[DataRequired(), Length(max=256)])


class OfficerForm(FlaskForm):
    full_name = StringField(
        _l("Full name"), filters=[one_line], validators=[DataRequired(), Length(max=200), NEEDS_LETTERS]
    )
    username = StringField(_l("Username"), validators=[DataRequired(), USERNAME_RULE])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=254)])
    authority_id = SelectField(_l("Authority"), coerce=int, validate_choice=True)
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=256)])


class StatusForm(FlaskForm):
    status = HiddenField(validators=[AnyOf(["active", "suspended"])])
