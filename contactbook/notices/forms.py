"""The notice form: what to say, to whom, and when; and the button that retries a notice's failures."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp, ValidationError

from contactbook.inputs import Within, one_line, paragraphs
from contactbook.notices.audiences import AudienceOptions
from contactbook.notices.labels import audience_label
from contactbook.notices.services import NOTICE_CATEGORIES, Audience
from contactbook.subscriptions.forms import MultiCheckboxField
from contactbook.subscriptions.labels import category_label
from contactbook.timezones import school_zone

TITLE_MAX = 120  # the column's length
BODY_MAX = 2000
SEND_AT_FORMATS = ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"]
SEND_AT_AHEAD = timedelta(days=365)  # a notice is scheduled at most a year ahead
SUBMISSION = re.compile(r"[0-9a-f]{32}")  # a preview's token, uuid4().hex


def _local_now(form: Any) -> datetime:
    """Now, to the minute, as a wall-clock time of the app's zone (how the send time is typed)."""
    zone = school_zone()
    return datetime.now(zone).replace(tzinfo=None, second=0, microsecond=0)


def _send_at_range(earliest: date | datetime, latest: date | datetime) -> str:
    return _(
        "Choose a send time from now (%(earliest)s) to a year ahead (%(latest)s), or leave it empty to send now.",
        earliest=earliest.strftime("%d/%m/%Y %H:%M"),
        latest=latest.strftime("%d/%m/%Y %H:%M"),
    )


class NoticeForm(FlaskForm):
    """A notice as typed; `offer` fills the audience choices the staff member may pick from."""

    title = StringField(_l("Title"), filters=[one_line], validators=[DataRequired(), Length(max=TITLE_MAX)])
    body = TextAreaField(_l("Text"), filters=[paragraphs], validators=[DataRequired(), Length(max=BODY_MAX)])
    category = SelectField(_l("Category"), validators=[DataRequired()])
    urgent = BooleanField(_l("Urgent: send at once, even during quiet hours"))
    audience = RadioField(_l("Send to"), validators=[DataRequired(message=_l("Choose who the notice is for."))])
    grades = MultiCheckboxField(_l("Grade levels"), coerce=int)
    classes = MultiCheckboxField(_l("Classes"), coerce=int)
    students = MultiCheckboxField(_l("Students"), coerce=int)
    send_at = DateTimeLocalField(
        _l("Send at (leave empty to send now)"),
        format=SEND_AT_FORMATS,
        validators=[Optional(), Within(_local_now, lambda form: _local_now(form) + SEND_AT_AHEAD, _send_at_range)],
    )
    confirm = HiddenField(validators=[Optional(), AnyOf(["1"])])
    # Given by each preview to its "Send the notice" button: a confirmation posted twice sends once.
    submission = HiddenField(validators=[Optional(), Regexp(SUBMISSION)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The category labels are translated per request, not when the module is imported.
        self.category.choices = [SelectChoice(c.value, category_label(c.value)) for c in NOTICE_CATEGORIES]

    def offer(self, options: AudienceOptions) -> None:
        """Offer only the audiences `options` allows (the view also refuses anything else with 403)."""
        self.audience.choices = [SelectChoice(kind, audience_label(kind)) for kind in options.kinds]
        self.grades.choices = [SelectChoice(grade, str(grade)) for grade in options.grades]
        self.classes.choices = [SelectChoice(c.id, c.name) for c in options.classes]
        self.students.choices = [SelectChoice(s.id, s.full_name) for group in options.students.values() for s in group]

    def chosen_audience(self) -> Audience | None:
        """The audience as submitted, or None when no kind was chosen or an id is not a number."""
        kind = self.audience.data
        if kind not in ("school", "grades", "classes", "students"):
            return None
        if kind == "school":
            return Audience("school")
        field = {"grades": self.grades, "classes": self.classes, "students": self.students}[kind]
        if field.process_errors:
            return None
        return Audience(kind, tuple(sorted(set(field.data or ()))))

    def ids_malformed(self) -> bool:
        """Whether an id of the audience fields is not a number (a forged request, not a typing mistake)."""
        return any(f.process_errors for f in (self.grades, self.classes, self.students))

    def submission_malformed(self) -> bool:
        """Whether the preview's token was changed (a forged request: the page never shows it)."""
        return bool(self.submission.data) and SUBMISSION.fullmatch(self.submission.data or "") is None

    def new_submission(self) -> None:
        """Give the preview about to be shown its own token."""
        self.submission.data = uuid.uuid4().hex

    def send_at_moment(self, zone: ZoneInfo) -> datetime | None:
        """The chosen send time (typed in the school's time zone) as an aware UTC datetime, or None for now."""
        if self.send_at.data is None:
            return None
        return self.send_at.data.replace(tzinfo=zone).astimezone(UTC)

    def _require(self, kind: str, field: MultiCheckboxField, message: LazyString) -> None:
        if self.audience.data == kind and not field.data:
            raise ValidationError(message)

    def validate_grades(self, field: MultiCheckboxField) -> None:
        self._require("grades", field, _l("Choose at least one grade level."))

    def validate_classes(self, field: MultiCheckboxField) -> None:
        self._require("classes", field, _l("Choose at least one class."))

    def validate_students(self, field: MultiCheckboxField) -> None:
        self._require("students", field, _l("Choose at least one student."))


class RetryForm(FlaskForm):
    """The button that sends a notice's temporarily failed messages again (a CSRF token only)."""
