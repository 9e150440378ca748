"""The forms of data requests: the school's answer, and the family's confirmation of an erasure."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from contactbook.data_requests.rules import MAX_NOTE
from contactbook.inputs import one_line


class AnswerForm(FlaskForm):
    """Staff answer a request: an optional note to the family; an erasure is confirmed by a tick."""

    note = TextAreaField(
        _l("Note to the family (optional)"),
        filters=[one_line],
        validators=[Optional(), Length(max=MAX_NOTE, message=_l("Keep the note under 500 characters."))],
    )
    confirm = BooleanField(_l("I have checked the request and want to carry it out"))


class ErasureForm(FlaskForm):
    """The family confirms that it wants its data in one school erased."""

    confirm = BooleanField(
        _l("I understand what is erased and what is kept, and I ask for the erasure"),
        validators=[DataRequired(message=_l("Tick the box to confirm the request."))],
    )
