"""`seed()` builds the demo world once, through the services; running it again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select

from contactbook.auth.rules import Role
from contactbook.demo import campaigns, gradebook, preschool
from contactbook.demo.attendance import seed_attendance
from contactbook.demo.families import with_demo_families
from contactbook.demo.gradebook import staff_member
from contactbook.demo.roster_data import generate_roster, to_csv
from contactbook.extensions import db
from contactbook.models import (
    AssessmentKind,
    Authority,
    AuthorityKind,
    Enrolment,
    Guardian,
    PaymentMethod,
    Plan,
    PlanPeriod,
    School,
    SchoolClass,
    SchoolLevel,
    SchoolYear,
    Student,
    StudentGuardian,
    Subject,
    User,
)
from contactbook.platform import services as platform
from contactbook.roster import services as roster
from contactbook.roster.reading import read_roster
from contactbook.subscriptions import services as service
from contactbook.tenancy import school_scope

DEMO_PASSWORD = "SoLienLac2026"  # noqa: S105 (demo data only, printed by `flask demo seed`)


@dataclass(frozen=True)
class DemoLogin:
    where: str
    username: str
    role: str


DEMO_SCHOOLS = (
    ("Trường THCS Nguyễn Du", "thcs-nguyen-du", SchoolLevel.LOWER_SECONDARY),
    ("Trường Tiểu học Lê Ngọc Hân", "th-le-ngoc-han", SchoolLevel.PRIMARY),
)
# Per school: grade levels, classes per grade, students per class (240 + 175 students).
DEMO_CLASSES = {"thcs-nguyen-du": ((6, 7, 8, 9), 2, 30), "th-le-ngoc-han": ((1, 2, 3, 4, 5), 1, 35)}
SECONDARY_SUBJECTS = (
    ("Toán", 140, AssessmentKind.SCORED),
    ("Ngữ văn", 140, AssessmentKind.SCORED),
    ("Tiếng Anh", 105, AssessmentKind.SCORED),
    ("Khoa học tự nhiên", 140, AssessmentKind.SCORED),
    ("Lịch sử và Địa lí", 105, AssessmentKind.SCORED),
    ("Giáo dục công dân", 35, AssessmentKind.SCORED),
    ("Công nghệ", 35, AssessmentKind.SCORED),
    ("Tin học", 35, AssessmentKind.SCORED),
    ("Giáo dục thể chất", 70, AssessmentKind.COMMENT),
    ("Nghệ thuật", 70, AssessmentKind.COMMENT),
    ("Hoạt động trải nghiệm, hướng nghiệp", 105, AssessmentKind.COMMENT),
    ("Nội dung giáo dục của địa phương", 35, AssessmentKind.COMMENT),
)
PRIMARY_SUBJECTS = (
    ("Tiếng Việt", 350, AssessmentKind.LEVEL),
    ("Toán", 175, AssessmentKind.LEVEL),
    ("Đạo đức", 35, AssessmentKind.LEVEL),
    ("Tự nhiên và Xã hội", 70, AssessmentKind.LEVEL),
    ("Giáo dục thể chất", 70, AssessmentKind.LEVEL),
    ("Nghệ thuật", 70, AssessmentKind.LEVEL),
    ("Hoạt động trải nghiệm", 105, AssessmentKind.LEVEL),
)
DEMO_STAFF = (
    ("hieutruong", "Nguyễn Thị Hoa", Role.PRINCIPAL),
    ("ketoan", "Trần Văn Minh", Role.ACCOUNTANT),
    ("giaovien", "Lê Thị Lan", Role.TEACHER),
    ("gvcn", "Phạm Quốc Bảo", Role.HOMEROOM_TEACHER),
)


def _platform_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.school_id.is_(None), User.username == username))


def _authority(operator: User, name: str, kind: AuthorityKind, parent: Authority | None) -> Authority:
    found = db.session.scalar(select(Authority).where(Authority.name == name))
    return found or platform.create_authority(operator, name=name, kind=kind, parent=parent)


def demo_logins() -> list[DemoLogin]:
    """Every demo login: where to log in, the username and its role."""
    logins = [
        DemoLogin("/login", "operator", "platform operator"),
        DemoLogin("/login", "canbo.so", "authority officer"),
    ]
    for _name, slug, _level in DEMO_SCHOOLS:
        logins.append(DemoLogin(f"/s/{slug}/login", "admin", Role.SCHOOL_ADMIN.value))
        logins.extend(DemoLogin(f"/s/{slug}/login", username, role.value) for username, _, role in DEMO_STAFF)
    logins.append(DemoLogin(f"/s/{preschool.SLUG}/login", "admin", Role.SCHOOL_ADMIN.value))
    logins.append(DemoLogin(f"/s/{preschool.SLUG}/login", preschool.HOMEROOM[0], preschool.HOMEROOM[2].value))
    return logins


def seed() -> list[DemoLogin]:
    """Create the demo data that is missing, through the services a school would use, and return every login."""
    operator = _platform_user("operator") or platform.create_operator(
        username="operator", full_name="Quản trị nền tảng", password=DEMO_PASSWORD, via="demo"
    )
    province = _authority(operator, "Sở GD&ĐT TP. Hồ Chí Minh", AuthorityKind.PROVINCE, None)
    ward = _authority(operator, "UBND phường Sài Gòn", AuthorityKind.WARD_COMMUNE, province)
    officer = _platform_user("canbo.so") or platform.create_officer(
        operator,
        authority=province,
        username="canbo.so",
        full_name="Võ Thanh Tâm",
        password=DEMO_PASSWORD,
        email=None,
    )

    for name, slug, level in DEMO_SCHOOLS:
        school = db.session.scalar(select(School).where(School.slug == slug))
        if school is None:
            school = platform.create_school(
                operator,
                authority=ward,
                name=name,
                slug=slug,
                level=level,
                base_domain=current_app.config["BASE_DOMAIN"],
                admin_username="admin",
                admin_full_name="Quản trị " + name,
                admin_password=DEMO_PASSWORD,
            )
        with school_scope(school.id):
            _seed_school(school, level)
            campaigns.seed_public_page(school, _staff(school, "admin"), date.today())
    preschool.seed_preschool(operator, ward, DEMO_PASSWORD)
    first, second = demo_year_bounds(date.today())
    campaigns.seed_campaign(officer, province, ward, f"{first}-{second}", date.today())
    return demo_logins()


def _seed_school(school: School, level: SchoolLevel) -> None:
    """The school's staff, roster, and for the lower secondary school its service and grades."""
    for username, full_name, role in DEMO_STAFF:
        exists = db.session.scalar(select(User).where(User.school_id == school.id, User.username == username))
        if exists is None:
            staff_member(school, username, full_name, role, DEMO_PASSWORD)
    _seed_roster(school, level)
    if level == SchoolLevel.LOWER_SECONDARY:
        _seed_service(school)
        _seed_grades(school)


def demo_year_bounds(today: date) -> tuple[int, int]:
    """The school year running on `today` (it starts in September)."""
    first = today.year if today.month >= 8 else today.year - 1
    return first, first + 1


def _staff(school: School, username: str) -> User:
    user = db.session.scalar(select(User).where(User.school_id == school.id, User.username == username))
    assert user is not None
    return user


def _seed_roster(school: School, level: SchoolLevel) -> None:
    """The current school year, subjects, classes, teaching assignments and an imported roster."""
    admin = _staff(school, "admin")
    first, second = demo_year_bounds(date.today())
    name = f"{first}-{second}"
    year = db.session.scalar(select(SchoolYear).where(SchoolYear.school_id == school.id, SchoolYear.name == name))
    if year is None:
        year = roster.create_year(
            school,
            admin,
            name=name,
            semester_dates=((date(first, 9, 5), date(second, 1, 17)), (date(second, 1, 19), date(second, 5, 25))),
        )
    subjects = PRIMARY_SUBJECTS if level == SchoolLevel.PRIMARY else SECONDARY_SUBJECTS
    existing_subjects = {s.name: s for s in db.session.scalars(select(Subject).where(Subject.school_id == school.id))}
    for subject_name, periods, kind in subjects:
        if subject_name not in existing_subjects:
            existing_subjects[subject_name] = roster.create_subject(
                school, admin, name=subject_name, periods_per_year=periods, assessment_kind=kind
            )
    grades, per_grade, per_class = DEMO_CLASSES[school.slug]
    names = [(f"{grade}A{n}", grade) for grade in grades for n in range(1, per_grade + 1)]
    classes = {c.name: c for c in db.session.scalars(select(SchoolClass).where(SchoolClass.school_year_id == year.id))}
    homeroom = _staff(school, "gvcn")
    for index, (class_name, grade) in enumerate(names):
        if class_name not in classes:
            classes[class_name] = roster.create_class(
                school,
                admin,
                year=year,
                name=class_name,
                grade_level=grade,
                homeroom_teacher=homeroom if index == 0 else None,
            )
    gradebook.assign_every_subject(
        school,
        [classes[class_name] for class_name, _grade in names],
        [existing_subjects[subject_name] for subject_name, _periods, _kind in subjects],
        primary=level == SchoolLevel.PRIMARY,
        password=DEMO_PASSWORD,
    )
    if db.session.scalar(select(Enrolment.id).where(Enrolment.school_year_id == year.id).limit(1)) is None:
        rows = generate_roster(
            names, per_class, year_start=first, seed=len(school.slug), id_prefix=f"79{school.id:02d}"
        )
        with_demo_families(school.slug, rows)  # families that can sign in at the portal
        roster.import_sheet(school, year, read_roster("demo.csv", to_csv(rows)), dry_run=False)


def _seed_grades(school: School) -> None:
    """Class 6A1's semester I complete, a grid of Toán begun in 6A2 (see `contactbook.demo.gradebook`), and
    6A1's attendance of the last school days (`contactbook.demo.attendance`)."""
    year = db.session.scalar(
        select(SchoolYear).where(SchoolYear.school_id == school.id).order_by(SchoolYear.starts_on.desc())
    )
    if year is not None:
        classes = db.session.scalars(
            select(SchoolClass).where(SchoolClass.school_year_id == year.id).order_by(SchoolClass.id)
        ).all()
        gradebook.seed_grades(school, classes)
        if classes:
            seed_attendance(school, classes[0], _staff(school, "gvcn"))


def _seed_service(school: School) -> None:
    """The paid service switched on with two plans, and some families subscribed (paper consent) and paying."""
    if db.session.scalar(select(Plan.id).where(Plan.school_id == school.id).limit(1)) is not None:
        return
    admin, accountant = _staff(school, "admin"), _staff(school, "ketoan")
    service.set_service_enabled(school, admin, True)
    semester_plan = service.create_plan(
        school,
        admin,
        name="SMS và email – học kỳ",
        price=60_000,
        period=PlanPeriod.SEMESTER,
        sms=True,
        email=True,
        digest_only=False,
    )
    service.create_plan(
        school,
        admin,
        name="Email – cả năm",
        price=50_000,
        period=PlanPeriod.SCHOOL_YEAR,
        sms=False,
        email=True,
        digest_only=False,
    )
    today = date.today()
    links = db.session.execute(
        select(StudentGuardian.student_id, StudentGuardian.guardian_id)
        .where(StudentGuardian.school_id == school.id)
        .order_by(StudentGuardian.student_id)
    ).all()
    seen: set[int] = set()
    for number, (student_id, guardian_id) in enumerate(links):
        if student_id in seen or number % 3:
            continue
        seen.add(student_id)
        student, guardian = db.session.get(Student, student_id), db.session.get(Guardian, guardian_id)
        assert student is not None and guardian is not None
        if not guardian.phone:
            continue
        purposes = {"grades_sms", "notices_sms"} | ({"grades_email", "notices_email"} if guardian.email else set())
        try:
            subscription = service.subscribe(
                school,
                accountant,
                guardian=guardian,
                student=student,
                plan=semester_plan,
                sms=True,
                email=bool(guardian.email),
                digest=False,
                starts_on=today,
                consent=service.ConsentForm(guardian.full_name, "paper", frozenset(purposes), child_consent=True),
            )
        except service.SubscriptionError:
            return  # today is outside the school year's semesters: no demo subscriptions
        if len(seen) % 10 == 0:
            service.set_exemption(school, accountant, subscription, "Hộ nghèo")
        elif len(seen) % 4:
            service.record_payment(
                school,
                accountant,
                subscription=subscription,
                amount=semester_plan.price,
                paid_on=today,
                method=PaymentMethod.CASH,
                payer=guardian.full_name,
            )
