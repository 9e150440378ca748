"""Every model, imported here so that Alembic and the app see the whole schema."""

from contactbook.models.base import Base
from contactbook.models.school import Authority, AuthorityKind, School, SchoolLevel, SchoolStatus
from contactbook.models.user import AuditLog, Grant, User

__all__ = [
    "AuditLog",
    "Authority",
    "AuthorityKind",
    "Base",
    "Grant",
    "School",
    "SchoolLevel",
    "SchoolStatus",
    "User",
]
