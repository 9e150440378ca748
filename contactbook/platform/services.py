"""Platform accounts and registrations: operators, authorities, schools (each with its one admin account), officers.

The platform's pages run with no school (`contactbook.tenancy`): whatever they read or write of a
school's own rows (its admin account, its staff's sessions, staff counts) goes through a function here
that does it under that school's scope, one school at a time.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from contactbook.audit import services as audit
from contactbook.auth.rules import Role, password_problems
from contactbook.auth.services import PasswordPolicyError
from contactbook.extensions import db
from contactbook.i18n import N_
from contactbook.models import Authority, AuthorityKind, Grant, School, SchoolLevel, SchoolStatus, User
from contactbook.models.user import new_session_token
from contactbook.schools.services import DelegationError, new_user
from contactbook.tenancy import school_scope

RESERVED_SLUGS = frozenset({"www", "admin", "api", "static", "platform", "authority", "dev", "mail"})


def create_authority(actor: User, *, name: str, kind: AuthorityKind, parent: Authority | None) -> Authority:
    """A new authority; only a provincial department may stand at the top of a tree."""
    if parent is None and kind != AuthorityKind.PROVINCE:
        raise DelegationError(N_("A district or ward/commune authority needs a parent authority."))
    if parent is not None and kind == AuthorityKind.PROVINCE:
        raise DelegationError(N_("A provincial department cannot have a parent authority."))
    authority = Authority(name=name.strip(), kind=kind, parent_id=parent.id if parent else None)
    db.session.add(authority)
    db.session.flush()
    audit.record("authority.created", actor=actor, school_id=None, target=authority, name=authority.name)
    db.session.commit()
    return authority


def slug_available(slug: str) -> bool:
    """Whether a new school may take `slug`."""
    return slug not in RESERVED_SLUGS and db.session.scalar(select(School.id).where(School.slug == slug)) is None


def create_school(
    actor: User | None,
    *,
    authority: Authority,
    name: str,
    slug: str,
    level: SchoolLevel,
    base_domain: str,
    admin_username: str,
    admin_full_name: str,
    admin_password: str,
    admin_email: str | None = None,
) -> School:
    """Register a school with its domain and its one admin account, in one commit."""
    slug = slug.strip().lower()
    if not slug_available(slug):
        raise DelegationError(N_("This school address is already taken."))
    problems = password_problems(admin_password, admin_username.strip().lower())
    if problems:
        raise PasswordPolicyError(problems)
    school = School(
        authority_id=authority.id,
        name=name.strip(),
        slug=slug,
        domain=f"{slug}.{base_domain}",
        level=level,
        status=SchoolStatus.ACTIVE,
    )
    db.session.add(school)
    db.session.flush()
    audit.record("school.created", actor=actor, school_id=school.id, target=school, slug=slug)
    with school_scope(school.id):  # the admin account and the audit rows are the new school's
        admin = new_user(
            school=school,
            username=admin_username,
            full_name=admin_full_name,
            password=admin_password,
            email=admin_email,
        )
        admin.grants.append(Grant(school_id=school.id, kind="role", name=Role.SCHOOL_ADMIN, granted_by_id=None))
        audit.record("grant", actor=actor, school_id=school.id, target=admin, kind="role", name=Role.SCHOOL_ADMIN)
        db.session.commit()
    return school


def set_school_status(actor: User, school: School, status: SchoolStatus) -> None:
    """Suspend or reactivate a school; a suspended school's pages and logins are closed."""
    if school.status == status:
        return
    school.status = status
    audit.record("school.status", actor=actor, school_id=school.id, target=school, status=status.value)
    with school_scope(school.id):
        if status == SchoolStatus.SUSPENDED:
            # End every session now, so that reactivating the school does not revive old logins.
            for user in db.session.scalars(select(User).where(User.school_id == school.id)):
                user.session_token = new_session_token()
        db.session.commit()


def create_operator(*, username: str, full_name: str, password: str, via: str) -> User:
    """A platform operator account, made from the command line (`via` says which: "cli", "demo"), audited."""
    user = new_user(school=None, username=username, full_name=full_name, password=password, is_platform_operator=True)
    audit.record("operator.created", actor=None, school_id=None, target=user, via=via)
    db.session.commit()
    return user


def create_officer(
    actor: User, *, authority: Authority, username: str, full_name: str, password: str, email: str | None
) -> User:
    """An authority officer account: sees the schools under its authority, in aggregate only."""
    user = new_user(
        school=None, authority_id=authority.id, username=username, full_name=full_name, password=password, email=email
    )
    audit.record("officer.created", actor=actor, school_id=None, target=user, authority_id=authority.id)
    db.session.commit()
    return user


def authority_subtree_ids(authority_id: int) -> list[int]:
    """The id of an authority and of every authority below it."""
    ids, frontier = [authority_id], [authority_id]
    while frontier:
        frontier = list(db.session.scalars(select(Authority.id).where(Authority.parent_id.in_(frontier))))
        ids.extend(frontier)
    return ids


def staff_counts(schools: Iterable[School]) -> dict[int, int]:
    """How many staff accounts each school has: counted under each school's own scope, names never read."""
    counts = {}
    for school in schools:
        with school_scope(school.id):
            counts[school.id] = db.session.scalar(select(func.count(User.id)).where(User.school_id == school.id)) or 0
    return counts
