"""The school's page of families' data requests: the list with deadlines, and the answer to each request.

Every page needs `data_requests.manage` (the school admin and the principal by default).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from contactbook.auth.access import school_member, staff_user
from contactbook.auth.rules import Permission
from contactbook.data_requests import queries
from contactbook.data_requests.copy import counts
from contactbook.data_requests.forms import AnswerForm
from contactbook.data_requests.holder import holder_of
from contactbook.data_requests.labels import kind_label, status_label
from contactbook.data_requests.rules import is_overdue
from contactbook.data_requests.services import DataRequestError, carry_out_erasure, provide_copy
from contactbook.data_requests.services.answering import erased_guardian_ids
from contactbook.models import DataRequest, DataRequestKind, DataRequestStatus
from contactbook.tenancy import current_school, get_scoped_or_404
from contactbook.timezones import school_today

bp = Blueprint("data_requests", __name__)


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"kind_label": kind_label, "status_label": status_label}


@bp.route("/")
@school_member(Permission.DATA_REQUESTS_MANAGE)
def request_list() -> ResponseReturnValue:
    school = current_school()
    today = school_today()
    return render_template("data_requests/list.html", lines=queries.school_requests(school, today), today=today)


@bp.route("/<int:request_id>", methods=["GET", "POST"])
@school_member(Permission.DATA_REQUESTS_MANAGE)
def answer(request_id: int) -> ResponseReturnValue:
    school = current_school()
    request = get_scoped_or_404(DataRequest, request_id)
    form = AnswerForm()
    pending = request.status == DataRequestStatus.PENDING
    if pending and form.validate_on_submit():
        if request.kind == DataRequestKind.ERASURE and not form.confirm.data:
            form.confirm.errors = [_("Tick the box to carry out the erasure.")]
        else:
            try:
                if request.kind == DataRequestKind.COPY:
                    provide_copy(school, staff_user(), request, form.note.data)
                    flash(_("The copy is provided: the family can download it in the portal."), "success")
                else:
                    carry_out_erasure(school, staff_user(), request, form.note.data)
                    flash(_("The family's data was erased; its receipts and the audit log are kept."), "success")
                return redirect(url_for("data_requests.request_list", school_slug=school.slug))
            except DataRequestError as error:
                flash(_(error.message, **error.params), "error")
    ids = erased_guardian_ids(school, request) if request.kind == DataRequestKind.ERASURE else request.guardian_ids
    held = counts(holder_of(school, request.family_id, list(ids))) if pending else []
    names = queries.guardian_names(school, set(request.guardian_ids or []))
    return render_template(
        "data_requests/answer.html",
        request_row=request,
        form=form,
        held=held,
        guardians=[names.get(i, "—") for i in request.guardian_ids or []],
        overdue=is_overdue(request.due_on, school_today(), request.answered_at),
    )
