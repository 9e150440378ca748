"""Forms of leave requests: the request (by a family, or by staff for a student), and the decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Form, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from contactbook.attendance.rules import DAY, LEAVE_SLOTS
from contactbook.inputs import one_line
from contactbook.leave_requests.labels import SLOT_LABELS, refusal
from contactbook.leave_requests.rules import NOTE_MAX, REASON_MAX, Asked, LeaveError

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
APPROVE, DECLINE = "approve", "decline"


class LeaveForm(FlaskForm):
    """A leave request as a family types it."""

    starts_on = DateField(
        _l("First day"), format=DATE_FORMATS, validators=[InputRequired(message=_l("Write the first day."))]
    )
    ends_on = DateField(
        _l("Last day"), format=DATE_FORMATS, validators=[InputRequired(message=_l("Write the last day."))]
    )
    slots = RadioField(
        _l("Which part of each day"),
        choices=[SelectChoice(slot, SLOT_LABELS[slot]) for slot in LEAVE_SLOTS],
        default=DAY,
        validate_choice=True,
    )
    reason = TextAreaField(
        _l("Reason"),
        filters=[one_line],
        validators=[
            DataRequired(message=_l("Write the reason for the absence.")),
            Length(max=REASON_MAX, message=_l("The reason has at most 500 characters.")),
        ],
    )

    def asked(self) -> Asked:
        """What the validated form asks for."""
        assert self.starts_on.data is not None and self.ends_on.data is not None
        return Asked(self.starts_on.data, self.ends_on.data, self.slots.data or "", self.reason.data or "")


class StaffLeaveForm(LeaveForm):
    """A request entered by staff: for which student, too (`student_id.choices` set by the page)."""

    student_id = SelectField(_l("Student"), coerce=int, validate_choice=True)


class DecisionForm(FlaskForm):
    """Approve or decline (the button pressed), with a note to the family."""

    note = StringField(
        _l("Note to the family (optional)"),
        filters=[one_line],
        validators=[Optional(), Length(max=NOTE_MAX, message=_l("The note has at most 300 characters."))],
    )
    decision = StringField(validators=[AnyOf([APPROVE, DECLINE], message=_l("Choose to approve or to decline."))])


def show_refusal(form: Form, error: LeaveError) -> None:
    """Put a service's refusal under the field it concerns, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, refusal(error)]
    else:
        form.form_errors.append(refusal(error))
