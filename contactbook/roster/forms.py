"""Forms of the school structure: school years, classes, homeroom teachers, subjects, teaching assignments."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp, ValidationError

from contactbook.inputs import one_line
from contactbook.models import AssessmentKind
from contactbook.roster.labels import ASSESSMENT_LABELS
from contactbook.timezones import school_today

YEAR_NAME = re.compile(r"^([0-9]{4})-([0-9]{4})$")  # ASCII digits: `\d` takes `２` too
# A date picker sends ISO dates; where the browser shows a plain text box, people type dd/mm/yyyy.
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
NOBODY = 0  # the value of the "nobody" choice of a teacher select
YEARS_BACK, YEARS_AHEAD = 10, 5  # a school year starts within these many years of today's


class YearForm(FlaskForm):
    """A school year named `2025-2026`: semester I starts in its first year, semester II ends in its second."""

    name = StringField(
        _l("School year"),
        filters=[one_line],
        validators=[DataRequired(), Length(max=20)],
        description=_l("For example 2025-2026."),
    )
    first_start = DateField(_l("Semester I starts"), format=DATE_FORMATS, validators=[InputRequired()])
    first_end = DateField(_l("Semester I ends"), format=DATE_FORMATS, validators=[InputRequired()])
    second_start = DateField(_l("Semester II starts"), format=DATE_FORMATS, validators=[InputRequired()])
    second_end = DateField(_l("Semester II ends"), format=DATE_FORMATS, validators=[InputRequired()])

    def validate_name(self, field: StringField) -> None:
        match = YEAR_NAME.match(field.data or "")
        if not match:
            raise ValidationError(_l("Write the school year as two years, for example 2025-2026."))
        first, second = (int(part) for part in match.groups())
        if second != first + 1:
            raise ValidationError(_l("The second year must follow the first, for example 2025-2026."))
        this_year = school_today().year
        if not this_year - YEARS_BACK <= first <= this_year + YEARS_AHEAD:
            raise ValidationError(
                _l(
                    "A school year starts between %(earliest)s and %(latest)s.",
                    earliest=this_year - YEARS_BACK,
                    latest=this_year + YEARS_AHEAD,
                )
            )

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields one by one, then the dates against each other and against the name."""
        if not super().validate(extra_validators):
            return False
        first_start, first_end = self.first_start.data, self.first_end.data
        second_start, second_end = self.second_start.data, self.second_end.data
        match = YEAR_NAME.match(self.name.data or "")
        assert match is not None  # validate_name passed
        first_year = int(match.group(1))
        if first_start.year != first_year:
            self.first_start.errors.append(_l("Semester I must start in %(year)s.", year=first_year))
        if second_end.year != first_year + 1:
            self.second_end.errors.append(_l("Semester II must end in %(year)s.", year=first_year + 1))
        if first_end <= first_start:
            self.first_end.errors.append(_l("Semester I must end after it starts."))
        if second_start <= first_end:
            self.second_start.errors.append(_l("Semester II must start after semester I ends."))
        if second_end <= second_start:
            self.second_end.errors.append(_l("Semester II must end after it starts."))
        return not self.errors


class ClassForm(FlaskForm):
    school_year_id = SelectField(_l("School year"), coerce=int, validate_choice=True)
    name = StringField(
        _l("Class name"),
        filters=[one_line],
        validators=[
            DataRequired(),
            Length(max=20),
            Regexp(r"^[^\W_][\w .\-/]*$", message=_l("Letters and digits, for example 6A1.")),
        ],
    )
    grade_level = IntegerField(
        _l("Grade"), validators=[InputRequired(), NumberRange(min=1, max=12, message=_l("A grade from 1 to 12."))]
    )
    homeroom_teacher_id = SelectField(_l("Homeroom teacher"), coerce=int, validate_choice=True)


class HomeroomForm(FlaskForm):
    teacher_id = SelectField(_l("Homeroom teacher"), coerce=int, validate_choice=True)


class SubjectForm(FlaskForm):
    name = StringField(_l("Subject"), filters=[one_line], validators=[DataRequired(), Length(max=100)])
    periods_per_year = IntegerField(
        _l("Periods per year"),
        validators=[InputRequired(), NumberRange(min=1, max=500, message=_l("From 1 to 500 periods."))],
    )
    assessment_kind = SelectField(
        _l("Assessment"),
        choices=[SelectChoice(kind.value, ASSESSMENT_LABELS[kind]) for kind in AssessmentKind],
        validate_choice=True,
    )


class AssignmentForm(FlaskForm):
    teacher_id = SelectField(_l("Teacher"), coerce=int, validate_choice=True)
    subject_id = SelectField(_l("Subject"), coerce=int, validate_choice=True)
    class_id = SelectField(_l("Class"), coerce=int, validate_choice=True)


class DeleteForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
