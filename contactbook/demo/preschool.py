"""The demo preschool: one class, "Lá 1", whose homeroom teacher writes daily notes; the first demo family's
youngest child is in it (the same mother's number, 0901 234 567), so the portal shows her "Daily notes" tab.

Built through the services a school would use; running it again changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from contactbook.auth.rules import Role
from contactbook.daily_notes import rules as notes_rules
from contactbook.daily_notes.services import save_class_notes
from contactbook.demo.families import DEMO_FAMILIES
from contactbook.demo.gradebook import staff_member
from contactbook.demo.roster_data import generate_roster, to_csv
from contactbook.extensions import db
from contactbook.models import Authority, DailyNote, Enrolment, School, SchoolClass, SchoolLevel, SchoolYear, User
from contactbook.phones import display_vn_phone
from contactbook.platform import services as platform
from contactbook.roster import services as roster
from contactbook.roster.queries import class_students
from contactbook.roster.reading import read_roster
from contactbook.tenancy import school_scope
from contactbook.timezones import school_today

NAME, SLUG = "Trường Mầm non Hoa Sen", "mn-hoa-sen"
CLASS_NAME, CHILDREN = "Lá 1", 20
HOMEROOM = ("gvcn", "Võ Thị Thu", Role.HOMEROOM_TEACHER)
# A day of the class: what the teacher wrote for everyone, and for the first few children.
EVERYONE = {"meals": "Ăn hết suất cơm trưa, uống sữa chiều", "activities": "Vẽ tranh chủ đề gia đình"}
CHILDREN_NOTES = (
    {"nap": "Ngủ trưa ngon, 2 tiếng", "comment": "Bé tự xúc cơm, hôm nay rất ngoan."},
    {"health": "Hơi ho, cô đã cho uống nước ấm", "nap": "Ngủ 1 tiếng"},
    {"meals": "Ăn được nửa suất", "comment": "Bé hơi nhớ mẹ buổi sáng."},
)


def seed_preschool(operator: User, ward: Authority, password: str) -> None:
    """The demo preschool, its homeroom teacher, class and children, and the class's notes of its last two days."""
    school = db.session.scalar(select(School).where(School.slug == SLUG))
    if school is None:
        school = platform.create_school(
            operator,
            authority=ward,
            name=NAME,
            slug=SLUG,
            level=SchoolLevel.PRESCHOOL,
            base_domain=current_app.config["BASE_DOMAIN"],
            admin_username="admin",
            admin_full_name="Quản trị " + NAME,
            admin_password=password,
        )
    with school_scope(school.id):
        teacher = _homeroom(school, password)
        school_class = _class(school, teacher)
        if school_class is not None:
            _notes(school, teacher, school_class)


def _homeroom(school: School, password: str) -> User:
    username, full_name, role = HOMEROOM
    found = db.session.scalar(select(User).where(User.school_id == school.id, User.username == username))
    return found or staff_member(school, username, full_name, role, password)


def _class(school: School, teacher: User) -> SchoolClass | None:
    """The class of the current school year with its children (imported once); None when there is no year."""
    today = school_today()
    first = today.year if today.month >= 8 else today.year - 1
    name = f"{first}-{first + 1}"
    admin = db.session.scalar(select(User).where(User.school_id == school.id, User.username == "admin"))
    assert admin is not None
    year = db.session.scalar(select(SchoolYear).where(SchoolYear.school_id == school.id, SchoolYear.name == name))
    if year is None:
        semesters = ((date(first, 9, 5), date(first + 1, 1, 17)), (date(first + 1, 1, 19), date(first + 1, 5, 25)))
        year = roster.create_year(school, admin, name=name, semester_dates=semesters)
    school_class = db.session.scalar(select(SchoolClass).where(SchoolClass.school_year_id == year.id))
    if school_class is None:
        school_class = roster.create_class(
            school, admin, year=year, name=CLASS_NAME, grade_level=0, homeroom_teacher=teacher
        )
    if db.session.scalar(select(Enrolment.id).where(Enrolment.school_year_id == year.id).limit(1)) is None:
        rows = generate_roster([(school_class.name, 0)], CHILDREN, year_start=first, seed=7, id_prefix="7901")
        family = DEMO_FAMILIES[0]  # the mother with children in both other demo schools: her youngest is here
        rows[0]["Họ tên mẹ"], rows[0]["Điện thoại mẹ"] = family.mother, family.shown_phone
        rows[0]["Email mẹ"] = family.email or ""
        if family.father is not None:
            father, phone = family.father
            rows[0]["Họ tên cha"], rows[0]["Điện thoại cha"] = father, display_vn_phone(phone)
            rows[0]["Họ và tên"] = " ".join([father.split()[0], *rows[0]["Họ và tên"].split()[1:]])
        roster.import_sheet(school, year, read_roster("demo.csv", to_csv(rows)), dry_run=False)
    return school_class


def _notes(school: School, teacher: User, school_class: SchoolClass) -> None:
    """The class's notes of yesterday and today (of the year's days up to today), written once."""
    if db.session.scalar(select(DailyNote.id).where(DailyNote.class_id == school_class.id).limit(1)) is not None:
        return
    year = school_class.school_year
    days = notes_rules.writable_days(year.starts_on, year.ends_on, school_today())
    if days is None:
        return
    children = class_students(school_class)
    for on in sorted({max(days[0], days[1] - timedelta(days=1)), days[1]}):
        form = {notes_rules.field_name(field, notes_rules.EVERYONE): text for field, text in EVERYONE.items()}
        for child, texts in zip(children, CHILDREN_NOTES, strict=False):
            form |= {notes_rules.field_name(field, child.id): text for field, text in texts.items()}
        for child in children:
            form.setdefault(notes_rules.field_name("meals", child.id), "")
        save_class_notes(school, teacher, school_class, on, form)
