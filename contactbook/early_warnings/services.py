"""Running the early-warning rules: the warnings each student has newly reached, and the families told, once.

A run reads a school's current year (absences from the marks, grades from the published scores only: a
family never learns of a mark through a warning before the mark itself), inserts the `RiskWarning` rows
that are new with INSERT .. ON CONFLICT DO NOTHING RETURNING, and writes the `warning` messages for
exactly the rows it inserted, in the same commit. A second run, or another worker's run at the same moment,
inserts nothing (on PostgreSQL it waits on the unique key for the first one's commit) and so tells no one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from contactbook.attendance.totals import absences_between
from contactbook.early_warnings import rules
from contactbook.early_warnings.rules import Finding, SubjectMarks
from contactbook.extensions import among, conflict_insert, db
from contactbook.grading.grid import ROMAN, Cell
from contactbook.grading.rules import MAX_ABSENCES, format_score, regular_assessment_count
from contactbook.grading.summary import class_subjects
from contactbook.messaging.render import render_message
from contactbook.messaging.services.outbox import Outbox, recipients
from contactbook.messaging.text import sms_segments
from contactbook.messaging.vocabulary import Category, Channel
from contactbook.models import (
    AssessmentKind,
    AttendanceSettings,
    Enrolment,
    EnrolmentStatus,
    RiskWarning,
    School,
    SchoolClass,
    SchoolLevel,
    SchoolStatus,
    SchoolYear,
    Score,
    Semester,
    Student,
)
from contactbook.roster.rules import given_name
from contactbook.subscriptions.eligibility import settings_of
from contactbook.tenancy import school_scope
from contactbook.timezones import school_today

KIND = "warning"
INSERT_BATCH = 1000  # rows per INSERT: well within SQLite's limit of bound parameters
SECONDARY = (SchoolLevel.LOWER_SECONDARY, SchoolLevel.UPPER_SECONDARY)


def year_of(school: School, today: date) -> SchoolYear | None:
    """The school year containing `today` (between two years, none: nothing to warn of)."""
    return db.session.scalar(
        select(SchoolYear).where(
            SchoolYear.school_id == school.id, SchoolYear.starts_on <= today, SchoolYear.ends_on >= today
        )
    )


def thresholds_for(school: School) -> tuple[int, ...]:
    """The school's absence thresholds (20, 30, 40 for a school without settings)."""
    settings = db.session.get(AttendanceSettings, school.id)
    return rules.thresholds_of(settings.warning_thresholds if settings else None)


def enrolled(year: SchoolYear) -> dict[int, int]:
    """The class of each student actively enrolled in `year`, by student id."""
    rows = db.session.execute(
        select(Enrolment.student_id, Enrolment.class_id).where(
            Enrolment.school_year_id == year.id, Enrolment.status == EnrolmentStatus.ACTIVE
        )
    ).tuples()
    return {student_id: class_id for student_id, class_id in rows}


def semester_marks(year: SchoolYear, semester: Semester, classes: dict[int, int]) -> dict[int, list[SubjectMarks]]:
    """Each student's published marks of `semester`, per subject its class is assessed in (scores and comments)."""
    subjects_of: dict[int, list[Any]] = {}
    for school_class in db.session.scalars(select(SchoolClass).where(among(SchoolClass.id, set(classes.values())))):
        subjects_of[school_class.id] = [
            s for s in class_subjects(school_class) if s.assessment_kind != AssessmentKind.LEVEL
        ]
    # The published cells only (families never learn of a mark through a warning first), as plain values.
    cells: dict[tuple[int, int], dict[str, Cell]] = defaultdict(dict)
    for student_id, subject_id, column, value, level in db.session.execute(
        select(Score.student_id, Score.subject_id, Score.column, Score.value, Score.level).where(
            Score.school_id == year.school_id,
            Score.semester_id == semester.id,
            Score.published_at.is_not(None),
            among(Score.student_id, list(classes)),
        )
    ).tuples():
        cells[(student_id, subject_id)][column] = Cell(value, level)
    result: dict[int, list[SubjectMarks]] = {}
    for student_id, class_id in classes.items():
        lines = []
        for subject in subjects_of.get(class_id, []):
            own = cells.get((student_id, subject.id), {})
            if subject.assessment_kind == AssessmentKind.COMMENT:
                level = own["kq"].level if "kq" in own else None
                passed = None if level is None else level == "dat"
                lines.append(SubjectMarks(subject.id, subject.name, False, passed=passed))
                continue
            expected = regular_assessment_count(subject.periods_per_year)
            regular = [value for i in range(1, expected + 1) if (value := _value(own.get(f"tx{i}"))) is not None]
            marks = SubjectMarks(subject.id, subject.name, True, expected, regular, _value(own.get("gk")))
            marks.final = _value(own.get("ck"))
            lines.append(marks)
        result[student_id] = lines
    return result


def _value(cell: Cell | None) -> Decimal | None:
    return None if cell is None else cell.value


def findings_of(
    school: School, today: date, class_ids: Collection[int] | None = None
) -> tuple[dict[int, int], dict[int, list[Finding]]]:
    """What the rules find today: each student's class, and each student's findings (new or already recorded);
    only for the students now enrolled in `class_ids` when given."""
    year = year_of(school, today)
    if year is None or school.level == SchoolLevel.PRESCHOOL:
        return {}, {}  # preschools have no grades and no promotion rule
    classes = enrolled(year)
    if class_ids is not None:
        wanted = set(class_ids)
        classes = {student_id: class_id for student_id, class_id in classes.items() if class_id in wanted}
    found: dict[int, list[Finding]] = defaultdict(list)
    thresholds = thresholds_for(school)
    for student_id, absences in absences_between(classes, year.starts_on, today).items():
        found[student_id] += rules.absence_findings(year.name, absences, thresholds)
    semesters = db.session.scalars(
        select(Semester).where(Semester.school_year_id == year.id, Semester.starts_on <= today)
    ).all()
    for semester in semesters:
        for student_id, subjects in semester_marks(year, semester, classes).items():
            found[student_id] += rules.semester_findings(semester.id, semester.number, subjects)
    return classes, found


def run_rules(school: School, now: datetime) -> int:
    """Insert the school's new warnings and the messages that tell the families of them, in one commit.

    Returns how many warnings were new. Safe to run again, and on two workers at once: a warning already
    recorded (or being recorded by the other run) is skipped with its messages.
    """
    classes, found = findings_of(school, school_today(now))
    recorded = set(
        db.session.execute(
            select(RiskWarning.student_id, RiskWarning.rule, RiskWarning.threshold).where(
                RiskWarning.school_id == school.id, among(RiskWarning.student_id, [s for s in found if found[s]])
            )
        ).tuples()
    )
    # One order for every run, so that two runs inserting the same keys wait for each other, never deadlock.
    pending = sorted(
        (
            (student_id, finding)
            for student_id, findings in found.items()
            for finding in findings
            if (student_id, finding.rule, finding.threshold) not in recorded
        ),
        key=lambda pair: (pair[0], pair[1].rule, pair[1].threshold),
    )
    inserted: list[Any] = []
    for start in range(0, len(pending), INSERT_BATCH):
        rows = [
            {
                "school_id": school.id,
                "student_id": student_id,
                "class_id": classes[student_id],
                "rule": finding.rule,
                "threshold": finding.threshold,
                "detail": finding.detail,
                "fired_at": now,
            }
            for student_id, finding in pending[start : start + INSERT_BATCH]
        ]
        # Another run may be inserting the same keys right now: the unique key decides, and RETURNING says
        # which rows are this run's (on PostgreSQL this waits for the other run's commit, then skips its rows).
        statement = (
            conflict_insert(RiskWarning)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["student_id", "rule", "threshold"])
            .returning(RiskWarning.id, RiskWarning.student_id, RiskWarning.rule, RiskWarning.threshold)
        )
        inserted += db.session.execute(statement).tuples()
    if inserted:
        by_key = {(student_id, f.rule, f.threshold): f for student_id, f in pending}
        new: dict[int, list[tuple[int, Finding]]] = defaultdict(list)
        for warning_id, student_id, rule, threshold in inserted:
            new[student_id].append((warning_id, by_key[(student_id, rule, threshold)]))
        _tell(school, new, now)
    db.session.commit()
    return len(inserted)


def message_items(findings: list[Finding]) -> list[dict[str, Any]]:
    """The figures a `warning` message says, one item per warning told, as families read them."""
    items = []
    for finding in rules.told(findings):
        detail = finding.detail
        item: dict[str, Any] = {"rule": finding.rule, **detail}
        if "semester" in detail:
            item["semester"] = ROMAN.get(detail["semester"], str(detail["semester"]))
        if finding.rule == rules.SUBJECT_BELOW:
            item["average"] = format_score(Decimal(detail["average"]))
            item["below"] = format_score(Decimal(detail["below"]))
        if finding.rule == rules.RESULT_PROJECTED:
            item["subjects"] = ", ".join(detail["subjects"])
        items.append(item)
    return items


def _tell(school: School, new: dict[int, list[tuple[int, Finding]]], now: datetime) -> int:
    """A `warning` message per eligible guardian, child and channel, for the warnings just inserted."""
    rows = db.session.execute(select(Student.id, Student.full_name).where(among(Student.id, list(new)))).tuples()
    names = {student_id: name for student_id, name in rows}
    unaccented = settings_of(school).sms_unaccented
    limit = MAX_ABSENCES if school.level in SECONDARY else None
    outbox = Outbox(school, kind=KIND, category=Category.GRADES, now=now)
    for recipient in recipients(school, sorted(new), Category.GRADES, now):
        warnings = new[recipient.student_id]
        context = {
            "school": school.name,
            "student": given_name(names[recipient.student_id]),
            "items": message_items([finding for _id, finding in warnings]),
            "limit": limit,
        }
        sms = recipient.channel == Channel.SMS
        body = render_message(KIND, "vi", {**context, "short": False}, unaccented=unaccented and sms)
        outbox.add(
            recipient,
            # The first of the warnings this message tells: each is inserted once, so the key is never met again.
            key=f"warning:{min(i for i, _f in warnings)}:{recipient.guardian_id}:{recipient.channel}",
            body=body,
            subject=f"Cảnh báo sớm: em {context['student']}",
            segments=sms_segments(body)[1] if sms else 0,
            line=render_message(KIND, "vi", {**context, "short": True}, unaccented=False) if recipient.digest else None,
        )
    return outbox.write()


def run_all(now: datetime) -> dict[str, int]:
    """Run the rules for every active school, each under its own scope and in its own commit."""
    totals = {"schools": 0, "warnings": 0}
    for school_id in db.session.scalars(
        select(School.id).where(School.status == SchoolStatus.ACTIVE).order_by(School.id)
    ).all():
        with school_scope(school_id):
            school = db.session.get(School, school_id)
            assert school is not None
            totals["warnings"] += run_rules(school, now)
            totals["schools"] += 1
    return totals
