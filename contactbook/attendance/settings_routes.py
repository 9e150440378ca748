"""The attendance settings page (`settings.manage`): the unit the school marks and the warning thresholds."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from contactbook.attendance.services.settings import update_settings
from contactbook.attendance.settings import DEFAULT_THRESHOLDS, ThresholdsError, settings_of, thresholds_text
from contactbook.auth.access import school_member, staff_user
from contactbook.auth.rules import Permission
from contactbook.extensions import db
from contactbook.models import AttendanceUnit, User
from contactbook.tenancy import current_school

bp = Blueprint("attendance_settings", __name__)

UNIT_CHOICES = [
    SelectChoice(AttendanceUnit.DAY.value, _l("By day: one mark a day")),
    SelectChoice(AttendanceUnit.SESSION.value, _l("By session: morning and afternoon")),
    SelectChoice(AttendanceUnit.PERIOD.value, _l("By period: each subject teacher marks their periods")),
]


NO_THRESHOLDS = _l("Enter at least one number of sessions, e.g. 20, 30, 40.")


class AttendanceSettingsForm(FlaskForm):
    unit = RadioField(
        _l("Attendance is taken"),
        choices=UNIT_CHOICES,
        validate_choice=True,
        validators=[InputRequired(message=_l("Choose how attendance is taken."))],
    )
    thresholds = StringField(
        _l("Warn the family and the homeroom teacher at (sessions absent in the school year)"),
        validators=[
            InputRequired(message=_l("Enter at least one number of sessions, e.g. 20, 30, 40.")),
            Length(max=60),
        ],
        description=_l("Whole numbers from 1 to 45, from the smallest to the largest, e.g. 20, 30, 40."),
    )


@bp.route("/settings", methods=["GET", "POST"])
@school_member(Permission.SETTINGS_MANAGE)
def edit() -> ResponseReturnValue:
    school = current_school()
    current = settings_of(school)
    form = AttendanceSettingsForm(
        data={"unit": current.unit.value, "thresholds": thresholds_text(current.warning_thresholds)}
    )
    if form.validate_on_submit():
        try:
            update_settings(
                school, staff_user(), unit=AttendanceUnit(form.unit.data), thresholds=form.thresholds.data or ""
            )
        except ThresholdsError as refusal:
            form.thresholds.errors = [_(str(refusal))]
        else:
            flash(_("Attendance settings saved."), "info")
            return redirect(url_for("attendance_settings.edit"))
    changed_by = db.session.get(User, current.changed_by_id) if current.changed_by_id else None
    return render_template(
        "attendance/settings.html",
        form=form,
        settings=current,
        changed_by=changed_by,
        defaults=thresholds_text(list(DEFAULT_THRESHOLDS)),
    )
