"""Forms of the roster import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField


class UploadForm(FlaskForm):
    school_year_id = SelectField(_l("School year"), coerce=int, validate_choice=True)
    file = FileField(_l("Roster file (.xlsx, .xls or .csv)"), validators=[FileRequired(_l("Choose a file to import."))])


class ConfirmForm(FlaskForm):
    """Confirm or cancel a pending import (the button pressed decides)."""

    allow_many_left = BooleanField(_l("Yes, these students have left their class: mark them as left."))
