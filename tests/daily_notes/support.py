"""A preschool for the daily notes tests: school alpha made a preschool, class "Lá 1" led by "homeroom"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update

from contactbook.extensions import db
from contactbook.models import DailyNote, Guardian, SchoolClass, SchoolLevel, SchoolYear, Student, Subscription
from contactbook.timezones import school_today
from tests.factories import SchoolPeople
from tests.roster.factories import make_class, make_guardian, make_student, make_year

NAMES = ("Nguyễn Minh An", "Trần Bảo Bình", "Lê Gia Cát")
GIVEN_NAMES = ("An", "Bình", "Cường", "Dung", "Giang", "Hà")


@dataclass
class Preschool:
    people: SchoolPeople
    year: SchoolYear
    school_class: SchoolClass
    children: list[Student]
    guardian: Guardian  # the first child's mother, phone +84912345678

    @property
    def last_day(self) -> date:
        """The last day the class writes notes for: today, or its year's last day once the year is over."""
        return min(school_today(), self.year.ends_on)


def this_school_year() -> int:
    """The first calendar year of the school year that today falls in (or the one just ended, in summer)."""
    today = school_today()
    return today.year if today.month >= 9 else today.year - 1


def make_preschool(people: SchoolPeople, *, slug_suffix: str = "") -> Preschool:
    """Make `people`'s school a preschool with one class of three children, the first with its mother."""
    people.school.level = SchoolLevel.PRESCHOOL
    db.session.commit()
    year = make_year(people, this_school_year())
    school_class = make_class(people, year, "Lá 1", grade=5, homeroom=people.staff["homeroom"])
    prefix = f"79{people.school.id:04d}"
    children = [make_student(people, school_class, name, f"{prefix}{i:06d}") for i, name in enumerate(NAMES)]
    guardian = make_guardian(people, [children[0]], "Phạm Thị Mẹ", phone="+84912345678")
    db.session.commit()
    return Preschool(people, year, school_class, children, guardian)


def notes_of(school_class: SchoolClass) -> dict[tuple[int, date], dict[str, str | None]]:
    """The class's stored notes, by (child, day): their texts."""
    db.session.expire_all()
    rows = db.session.scalars(select(DailyNote).where(DailyNote.class_id == school_class.id)).all()
    return {
        (row.student_id, row.on): {f: getattr(row, f) for f in ("meals", "nap", "health", "activities", "comment")}
        for row in rows
    }


def subscribed_preschool(n: int, *, emails: int = 0, digest: tuple[int, ...] = (), slug: str = "mamnon") -> Any:
    """A preschool of `n` children, one guardian each, subscribed by SMS (the first `emails` by email too), those at
    the indexes `digest` to the daily digest; quiet hours off, digest hour 18. Commits (inside an app context)."""
    from tests.messaging.conftest import build_subscribed_school

    world = build_subscribed_school(n, emails=emails, slug=slug)
    world.people.school.level = SchoolLevel.PRESCHOOL
    for student_id, given in zip(world.student_ids, GIVEN_NAMES, strict=False):
        db.session.execute(update(Student).where(Student.id == student_id).values(full_name=f"Nguyễn Văn {given}"))
    for index in digest:
        db.session.execute(
            update(Subscription).where(Subscription.student_id == world.student_ids[index]).values(digest=True)
        )
    db.session.commit()
    return world


def write_note(world: Any, index: int, on: date, **texts: str) -> DailyNote:
    """A note of child `index` of the world's class for day `on` (committed)."""
    note = DailyNote(
        school_id=world.school.id,
        class_id=world.school_class.id,
        student_id=world.student_ids[index],
        on=on,
        **texts,
    )
    db.session.add(note)
    db.session.commit()
    return note
