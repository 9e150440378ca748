"""Sections of a family's copy: messages, published scores and corrections, term records (absences counted
from the attendance marks), requests, audit."""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from contactbook.attendance.totals import absences_between
from contactbook.audit.sentences import sentences
from contactbook.data_requests.family_sections import subscription_ids
from contactbook.data_requests.holder import Holder, Row
from contactbook.extensions import db
from contactbook.models import (
    AuditLog,
    DataRequest,
    Enrolment,
    LeaveRequest,
    Message,
    Notice,
    NoticeRead,
    Payment,
    SchoolYear,
    Score,
    ScoreCorrection,
    Semester,
    Subject,
    TermRecord,
)


def messages(h: Holder) -> list[Row]:
    """Every message written to the family, with its status."""
    rows = db.session.scalars(
        select(Message).where(Message.guardian_id.in_(h.guardian_ids)).order_by(Message.created_at, Message.id)
    )
    return [
        {
            "id": m.id,
            "written_at": m.created_at,
            "kind": m.kind,
            "category": m.category,
            "student_id": m.student_id,
            "channel": m.channel,
            "to": m.to_address,
            "subject": m.subject,
            "body": m.body,
            "status": m.status,
            "sent_at": m.sent_at,
            "delivered_at": m.delivered_at,
            "reason_not_sent": m.error,
        }
        for m in rows
    ]


def scores(h: Holder) -> list[Row]:
    """The children's published scores (unpublished cells are not the family's yet)."""
    rows = db.session.execute(
        select(Score, Subject.name, Semester.number, SchoolYear.name)
        .join(Subject, Subject.id == Score.subject_id)
        .join(Semester, Semester.id == Score.semester_id)
        .join(SchoolYear, SchoolYear.id == Semester.school_year_id)
        .where(Score.student_id.in_(h.student_ids), Score.published_at.is_not(None))
        .order_by(Score.student_id, SchoolYear.starts_on, Semester.number, Subject.name, Score.column)
    ).tuples()
    return [
        {
            "student_id": s.student_id,
            "school_year": year,
            "semester": number,
            "subject": subject,
            "column": s.column,
            "score": s.value,
            "level": s.level,
            "comment": s.comment,
            "published_at": s.published_at,
        }
        for s, subject, number, year in rows
    ]


def corrections(h: Holder) -> list[Row]:
    """Each correction of a published score of the children."""
    rows = db.session.execute(
        select(ScoreCorrection, Score, Subject.name)
        .join(Score, Score.id == ScoreCorrection.score_id)
        .join(Subject, Subject.id == Score.subject_id)
        .where(Score.student_id.in_(h.student_ids), Score.published_at.is_not(None))
        .order_by(ScoreCorrection.corrected_at, ScoreCorrection.id)
    ).tuples()
    return [
        {
            "student_id": score.student_id,
            "subject": subject,
            "column": score.column,
            "old_score": c.old_value,
            "new_score": c.new_value,
            "old_level": c.old_level,
            "new_level": c.new_level,
            "reason": c.reason,
            "corrected_at": c.corrected_at,
        }
        for c, score, subject in rows
    ]


def term_records(h: Holder) -> list[Row]:
    """The children's conduct and competence per semester, and the sessions absent counted from the attendance
    marks of the semester's dates: one row per semester of each school year a child was enrolled (or has a
    record) in."""
    enrolled = select(Enrolment.student_id, Semester.id).join(
        Semester, Semester.school_year_id == Enrolment.school_year_id
    )
    recorded = select(TermRecord.student_id, TermRecord.semester_id)
    pairs = set(db.session.execute(enrolled.where(Enrolment.student_id.in_(h.student_ids))).tuples())
    pairs |= set(db.session.execute(recorded.where(TermRecord.student_id.in_(h.student_ids))).tuples())
    if not pairs:
        return []
    semesters = {
        semester.id: (semester, year)
        for semester, year in db.session.execute(
            select(Semester, SchoolYear.name)
            .join(SchoolYear, SchoolYear.id == Semester.school_year_id)
            .where(Semester.id.in_({semester_id for _, semester_id in pairs}))
        ).tuples()
    }
    records = {
        (t.student_id, t.semester_id): t
        for t in db.session.scalars(select(TermRecord).where(TermRecord.student_id.in_(h.student_ids)))
    }
    absences: dict[int, dict[int, int]] = {}  # by semester, then student
    for semester_id, (semester, _year) in semesters.items():
        students = sorted(student_id for student_id, paired in pairs if paired == semester_id)
        absences[semester_id] = absences_between(students, semester.starts_on, semester.ends_on)
    ordered = sorted(pairs, key=lambda p: (p[0], semesters[p[1]][0].starts_on, semesters[p[1]][0].number))
    rows: list[Row] = []
    for student_id, semester_id in ordered:
        semester, year = semesters[semester_id]
        record = records.get((student_id, semester_id))
        rows.append(
            {
                "student_id": student_id,
                "school_year": year,
                "semester": semester.number,
                "conduct": record.conduct if record else None,
                "competence": record.competence if record else None,
                "absences": absences[semester_id][student_id],
            }
        )
    return rows


def notice_reads(h: Holder) -> list[Row]:
    """The notices the family said it has read ("Tôi đã đọc"), and when."""
    rows = db.session.execute(
        select(NoticeRead.notice_id, Notice.title, NoticeRead.guardian_id, NoticeRead.read_at)
        .join(Notice, Notice.id == NoticeRead.notice_id)
        .where(NoticeRead.school_id == h.school.id, NoticeRead.guardian_id.in_(h.guardian_ids))
        .order_by(NoticeRead.read_at, NoticeRead.id)
    ).tuples()
    return [
        {"notice_id": notice_id, "notice_title": title, "guardian_id": guardian_id, "read_at": read_at}
        for notice_id, title, guardian_id, read_at in rows
    ]


def data_requests(h: Holder) -> list[Row]:
    """The family's data requests in the school."""
    rows = db.session.scalars(
        select(DataRequest)
        .where(DataRequest.school_id == h.school.id, DataRequest.family_id == h.family_id)
        .order_by(DataRequest.requested_at, DataRequest.id)
    )
    return [
        {
            "kind": r.kind,
            "status": r.status,
            "requested_at": r.requested_at,
            "due_on": r.due_on,
            "answered_at": r.answered_at,
            "note": r.note,
        }
        for r in rows
    ]


def audit(h: Holder) -> list[Row]:
    """The audit rows whose target is one of the family's records (its guardians, subscriptions, payments,
    data requests, its children's published scores and leave requests)."""
    targets: list[tuple[str, int]] = [("Guardian", i) for i in h.guardian_ids]
    targets += [("Subscription", i) for i in subscription_ids(h)]
    targets += [
        ("Payment", i) for i in db.session.scalars(select(Payment.id).where(Payment.guardian_id.in_(h.guardian_ids)))
    ]
    targets += [
        ("DataRequest", i)
        for i in db.session.scalars(select(DataRequest.id).where(DataRequest.family_id == h.family_id))
    ]
    targets += [
        ("Score", i)
        for i in db.session.scalars(
            select(Score.id).where(Score.student_id.in_(h.student_ids), Score.published_at.is_not(None))
        )
    ]
    targets += [
        ("LeaveRequest", i)
        for i in db.session.scalars(
            select(LeaveRequest.id).where(
                LeaveRequest.school_id == h.school.id, LeaveRequest.student_id.in_(h.student_ids)
            )
        )
    ]
    if not targets:
        return []
    by_kind: dict[str, list[int]] = {}
    for kind, ident in targets:
        by_kind.setdefault(kind, []).append(ident)
    matches = or_(*(and_(AuditLog.target_type == kind, AuditLog.target_id.in_(ids)) for kind, ids in by_kind.items()))
    rows = db.session.scalars(
        select(AuditLog).where(AuditLog.school_id == h.school.id, matches).order_by(AuditLog.created_at, AuditLog.id)
    ).all()
    return [
        {"at": row.created_at, "action": row.action, "what": text}
        for row, text in zip(rows, sentences(rows), strict=True)
    ]
