"""`seed()` builds the demo world once; running it again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from contactbook.auth.rules import Role
from contactbook.extensions import db
from contactbook.models import Authority, AuthorityKind, Grant, School, SchoolLevel, User
from contactbook.platform import services as platform
from contactbook.schools.services import new_user

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
DEMO_STAFF = (
    ("hieutruong", "Nguyễn Thị Hoa", Role.PRINCIPAL),
    ("ketoan", "Trần Văn Minh", Role.ACCOUNTANT),
    ("giaovien", "Lê Thị Lan", Role.TEACHER),
    ("gvcn", "Phạm Quốc Bảo", Role.HOMEROOM_TEACHER),
)


def _platform_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.school_id.is_(None), User.username == username))


def _authority(name: str, kind: AuthorityKind, parent: Authority | None) -> Authority:
    found = db.session.scalar(select(Authority).where(Authority.name == name))
    if found is not None:
        return found
    authority = Authority(name=name, kind=kind, parent_id=parent.id if parent else None)
    db.session.add(authority)
    db.session.flush()
    return authority


def demo_logins() -> list[DemoLogin]:
    """Every demo login: where to log in, the username and its role."""
    logins = [
        DemoLogin("/login", "operator", "platform operator"),
        DemoLogin("/login", "canbo.so", "authority officer"),
    ]
    for _name, slug, _level in DEMO_SCHOOLS:
        logins.append(DemoLogin(f"/s/{slug}/login", "admin", Role.SCHOOL_ADMIN.value))
        logins.extend(DemoLogin(f"/s/{slug}/login", username, role.value) for username, _, role in DEMO_STAFF)
    return logins


def seed() -> list[DemoLogin]:
    """Create the demo data that is missing and return every demo login."""
    operator = _platform_user("operator") or new_user(
        school=None,
        username="operator",
        full_name="Quản trị nền tảng",
        password=DEMO_PASSWORD,
        is_platform_operator=True,
    )
    province = _authority("Sở GD&ĐT TP. Hồ Chí Minh", AuthorityKind.PROVINCE, None)
    ward = _authority("UBND phường Sài Gòn", AuthorityKind.WARD_COMMUNE, province)
    if _platform_user("canbo.so") is None:
        new_user(
            school=None, username="canbo.so", full_name="Võ Thanh Tâm", password=DEMO_PASSWORD, authority_id=province.id
        )
    db.session.commit()

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
        for username, full_name, role in DEMO_STAFF:
            exists = db.session.scalar(select(User).where(User.school_id == school.id, User.username == username))
            if exists is None:
                user = new_user(school=school, username=username, full_name=full_name, password=DEMO_PASSWORD)
                user.grants.append(Grant(school_id=school.id, kind="role", name=role))
        db.session.commit()
    return demo_logins()
