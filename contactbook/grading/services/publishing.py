"""Publishing a grid's column to the families: what it would send, then the sending itself.

Publishing is one unit of work: the cells, the publication and the outbox rows are written in one
commit, which nudges the workers. Families receive their own child's score only.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, update

from contactbook.audit import services as audit
from contactbook.extensions import among, db
from contactbook.grading import rules
from contactbook.grading.grid import Column, cell_text
from contactbook.grading.services.grids import GradingError, Grid, teaches
from contactbook.messaging.render import personalised, render_message
from contactbook.messaging.services.outbox import Outbox, recipients
from contactbook.messaging.text import sms_segments
from contactbook.messaging.vocabulary import Category, Channel
from contactbook.models import School, Score, ScorePublication, User
from contactbook.models.base import utcnow
from contactbook.roster.rules import given_name
from contactbook.subscriptions.services import settings_of


@dataclass(frozen=True)
class PublishPreview:
    """What publishing a column would send: new cells, messages per channel, SMS segments and cost."""

    scores: int
    messages: dict[str, int]
    segments: int
    cost: int
    sample: str


def _unpublished(grid: Grid, column: Column) -> list[Score]:
    return [
        score
        for (_, key), score in sorted(grid.scores.items())
        if key == column.key and score.published_at is None and (score.value is not None or score.level is not None)
    ]


def shown(value: Decimal | None, level: str | None, *, primary: bool = False) -> str:
    """A cell as a family reads it: "8,5", "Đạt", "Hoàn thành tốt (9)"."""
    parts = []
    if level is not None:
        parts.append(_level_label(level))
    if value is not None:
        text = cell_text(value, primary=primary)
        parts.append(f"({text})" if parts else text)
    return " ".join(parts)


def _level_label(level: str) -> str:
    for kind in (rules.Level, rules.PrimaryLevel):
        if level in {member.value for member in kind}:
            return kind(level).label
    return level


def shown_score(score: Score, column: Column) -> str:
    """A stored score of `column` as a family reads it."""
    return shown(score.value, score.level, primary=column.kind == "level")


class ScoreTexts:
    """The SMS and email text of a published or corrected score, rendered once per action."""

    def __init__(self, school: School, kind: str, context: dict[str, str]) -> None:
        unaccented = settings_of(school).sms_unaccented
        fields = ["student", "score", "old", "reason"] if kind == "score_correction" else ["student", "score"]
        self.sms = personalised(kind, "vi", {"school": school.name, **context}, fields, unaccented=unaccented)
        self.email = personalised(kind, "vi", {"school": school.name, **context}, fields, unaccented=False)
        self.kind, self.context = kind, context

    def line(self, values: dict[str, str]) -> str:
        """How the score reads as an item of a daily digest, which names the school and the student itself."""
        return render_message("digest_item", "vi", {"kind": self.kind, **self.context, **values}, unaccented=False)

    def text(self, channel: Channel, values: dict[str, str]) -> tuple[str, int]:
        if channel == Channel.SMS:
            body = self.sms(values)
            return body, sms_segments(body)[1]
        return self.email(values), 0


def preview_publication(school: School, grid: Grid, column: Column) -> PublishPreview:
    """Who publishing `column` would reach and what it costs, without writing anything."""
    scores = _unpublished(grid, column)
    names = {s.id: s.full_name for s in grid.students}
    reached = recipients(school, [s.student_id for s in scores], Category.GRADES, utcnow())
    shown = {s.student_id: shown_score(s, column) for s in scores}
    texts = ScoreTexts(school, "score", message_context(grid, column))
    messages: dict[str, int] = {}
    segments = 0
    for recipient in reached:
        messages[recipient.channel.value] = messages.get(recipient.channel.value, 0) + 1
        if recipient.channel == Channel.SMS:
            values = {"student": given_name(names[recipient.student_id]), "score": shown[recipient.student_id]}
            segments += texts.text(Channel.SMS, values)[1]
    sample = ""
    if scores:  # the first student's, whoever subscribes: the sample must not tell who does
        values = {"student": given_name(names[scores[0].student_id]), "score": shown[scores[0].student_id]}
        sample = texts.text(Channel.SMS, values)[0]
    price = settings_of(school).sms_segment_price
    return PublishPreview(len(scores), messages, segments, segments * price, sample)


def message_context(grid: Grid, column: Column) -> dict[str, str]:
    """What a score message says of its cell besides the score: the subject and the column's name."""
    return {"subject": grid.subject.name, "column": column.heading(grid.semester.number)}


def publish(school: School, actor: User, grid: Grid, column: Column) -> ScorePublication:
    """Lock the column's filled, unpublished cells and write one message per eligible guardian, child
    and channel, in one commit, which nudges the workers."""
    if not teaches(actor, grid.school_class, grid.subject):
        raise GradingError("Chỉ giáo viên dạy môn này ở lớp này được công bố điểm.")
    now = utcnow()
    # Claim the cells first: the rows this UPDATE moves are ours alone. A second publish at the same
    # moment (a double click, another tab) waits for this one's commit, then finds nothing left; the
    # values sent are those the rows hold now, whatever this grid loaded.
    claimed = db.session.execute(
        update(Score)
        .where(
            among(Score.id, [s.id for s in _unpublished(grid, column)]),
            Score.published_at.is_(None),
            or_(Score.value.is_not(None), Score.level.is_not(None)),
        )
        .values(published_at=now)
        .returning(Score.id, Score.student_id, Score.value, Score.level)
        .execution_options(synchronize_session=False)
    ).all()
    if not claimed:
        db.session.rollback()
        raise GradingError("Cột này không có điểm mới để công bố.")
    publication = ScorePublication(
        school_id=school.id,
        class_id=grid.school_class.id,
        subject_id=grid.subject.id,
        semester_id=grid.semester.id,
        column=column.key,
        scores=len(claimed),
        published_by_id=actor.id,
        published_at=now,
    )
    db.session.add(publication)
    db.session.flush()
    names = {s.id: s.full_name for s in grid.students}
    by_student = {row.student_id: row for row in claimed}
    texts = ScoreTexts(school, "score", message_context(grid, column))
    outbox = Outbox(school, kind="score", category=Category.GRADES, now=now)
    subject_line = f"Điểm {column.heading(grid.semester.number)} môn {grid.subject.name}"
    primary = column.kind == "level"
    for recipient in recipients(school, sorted(by_student), Category.GRADES, now):
        row = by_student[recipient.student_id]
        values = {
            "student": given_name(names[recipient.student_id]),
            "score": shown(row.value, row.level, primary=primary),
        }
        body, segments = texts.text(recipient.channel, values)
        outbox.add(
            recipient,
            # One cell is published once (a correction has its own key): never twice to one guardian.
            key=f"score:{row.id}:{recipient.guardian_id}:{recipient.channel}",
            body=body,
            subject=subject_line,
            segments=segments,
            line=texts.line(values) if recipient.digest else None,
        )
    publication.messages = outbox.write()
    audit.record(
        "grades.published",
        actor=actor,
        school_id=school.id,
        target=publication,
        column=column.key,
        scores=len(claimed),
        messages=publication.messages,
    )
    db.session.commit()
    return publication
