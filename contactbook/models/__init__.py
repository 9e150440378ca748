"""Every model, imported here so that Alembic and the app see the whole schema."""

from contactbook.models.base import Base
from contactbook.models.roster import (
    AssessmentKind,
    Enrolment,
    EnrolmentStatus,
    Gender,
    Guardian,
    RosterImport,
    SchoolClass,
    SchoolYear,
    Semester,
    Student,
    StudentGuardian,
    Subject,
    TeachingAssignment,
)
from contactbook.models.school import Authority, AuthorityKind, School, SchoolLevel, SchoolStatus
from contactbook.models.user import AuditLog, Grant, User

__all__ = [
    "AssessmentKind",
    "AuditLog",
    "Authority",
    "AuthorityKind",
    "Base",
    "Enrolment",
    "EnrolmentStatus",
    "Gender",
    "Grant",
    "Guardian",
    "RosterImport",
    "School",
    "SchoolClass",
    "SchoolLevel",
    "SchoolStatus",
    "SchoolYear",
    "Semester",
    "Student",
    "StudentGuardian",
    "Subject",
    "TeachingAssignment",
    "User",
]
