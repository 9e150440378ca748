"""The page of students at risk: the warnings that went, why, and what changed since last week."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from contactbook.auth.access import school_member, sees_all, staff_user
from contactbook.auth.rules import Permission
from contactbook.early_warnings import queries
from contactbook.early_warnings.labels import warning_text
from contactbook.models.base import utcnow
from contactbook.tenancy import current_school
from contactbook.timezones import school_today

bp = Blueprint("early_warnings", __name__)


@bp.get("/")
@school_member(Permission.ATTENDANCE_RECORD)  # teachers and homeroom teachers (both roles hold it)
def at_risk() -> ResponseReturnValue:
    """The students at risk in the user's classes (homeroom), or the school's (roster.view_all)."""
    user = staff_user()
    now = utcnow()
    result = queries.at_risk(current_school(), user, sees_all=sees_all(user), today=school_today(now), now=now)
    return render_template("early_warnings/at_risk.html", result=result, warning_text=warning_text)
