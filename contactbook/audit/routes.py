"""The school's audit log page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from contactbook.audit.sentences import sentences
from contactbook.auth.access import school_member
from contactbook.auth.rules import Permission
from contactbook.extensions import db
from contactbook.inputs import page_number
from contactbook.models import AuditLog
from contactbook.tenancy import scoped

bp = Blueprint("audit", __name__)
PAGE_SIZE = 50


@bp.route("/")
@school_member(Permission.AUDIT_VIEW)
def log() -> ResponseReturnValue:
    page = page_number()
    entries = db.session.scalars(
        scoped(AuditLog).order_by(AuditLog.id.desc()).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    ).all()
    shown = entries[:PAGE_SIZE]
    return render_template(
        "audit/log.html",
        entries=zip(shown, sentences(shown), strict=True),
        page=page,
        has_next=len(entries) > PAGE_SIZE,
    )
