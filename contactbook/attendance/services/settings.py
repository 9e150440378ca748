"""Changing a school's attendance settings: the unit it marks and the warning thresholds, audited."""

from __future__ import annotations

from contactbook.attendance.settings import parse_thresholds
from contactbook.audit import services as audit
from contactbook.extensions import db
from contactbook.models import AttendanceSettings, AttendanceUnit, School, User
from contactbook.models.base import utcnow


def update_settings(school: School, actor: User, *, unit: AttendanceUnit, thresholds: str) -> AttendanceSettings:
    """Set the unit and the thresholds as typed ("20, 30, 40"); `ThresholdsError` and nothing changed if refused."""
    numbers = parse_thresholds(thresholds)
    unit = AttendanceUnit(unit)
    settings = db.session.get(AttendanceSettings, school.id)
    if settings is None:
        settings = AttendanceSettings(school_id=school.id)
        db.session.add(settings)
    changed = (settings.unit, settings.warning_thresholds) != (unit, numbers)
    settings.unit, settings.warning_thresholds = unit, numbers
    if changed:
        settings.changed_at, settings.changed_by_id = utcnow(), actor.id
        audit.record(
            "attendance.settings", actor=actor, school_id=school.id, unit=unit.value, warning_thresholds=numbers
        )
    db.session.commit()
    return settings
