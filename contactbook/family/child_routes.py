"""A child's pages in the families' portal: grades, notices (with "I have read it"), messages.

Each page finds the child among the signed-in family's (`child_or_404`: any other student answers 404),
then reads that child's rows under its school's scope. Thin: the reading is in `child_grades`,
`child_notices` and `child_messages`, the one write in the notices' services.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from contactbook.auth.forms import PostForm
from contactbook.family.charts import coordinate
from contactbook.family.child_grades import column_label, grades_of
from contactbook.family.child_messages import messages_of
from contactbook.family.child_notices import notices_of
from contactbook.family.children import Child, child_or_404
from contactbook.family.session import family_required, signed_in_family
from contactbook.inputs import page_number
from contactbook.notices.labels import channel_label
from contactbook.notices.services import acknowledge
from contactbook.subscriptions.labels import category_label
from contactbook.tenancy import MAX_ID, school_scope

bp = Blueprint("family_child", __name__)


@bp.context_processor
def _display_helpers() -> dict[str, Any]:
    return {
        "category_label": category_label,
        "channel_label": channel_label,
        "column_label": column_label,
        "coordinate": coordinate,
    }


def _child(student_id: int) -> Child:
    return child_or_404(signed_in_family(), student_id)


@bp.route("/<int:student_id>/")
@family_required
def grades(student_id: int) -> ResponseReturnValue:
    child = _child(student_id)
    return render_template("family/child_grades.html", child=child, tab="grades", grades=grades_of(child))


@bp.route("/<int:student_id>/notices")
@family_required
def notices(student_id: int) -> ResponseReturnValue:
    child = _child(student_id)
    result = notices_of(child, page_number())
    return render_template("family/child_notices.html", child=child, tab="notices", result=result, form=PostForm())


@bp.route("/<int:student_id>/notices/<int:notice_id>/read", methods=["POST"])
@family_required
def read(student_id: int, notice_id: int) -> ResponseReturnValue:
    child = _child(student_id)
    if not 0 < notice_id <= MAX_ID:
        abort(404)  # beyond the id column's range: no such notice
    if not PostForm().validate_on_submit():
        abort(400)
    with school_scope(child.school_id):
        if not acknowledge(child.school_id, notice_id, child.student_id, list(child.guardian_ids)):
            abort(404)
    flash(_("Thank you: the school can see that the notice was read."), "info")
    return redirect(url_for("family_child.notices", student_id=child.student_id, _anchor=f"notice-{notice_id}"))


@bp.route("/<int:student_id>/messages")
@family_required
def messages(student_id: int) -> ResponseReturnValue:
    child = _child(student_id)
    result = messages_of(child, page_number())
    return render_template("family/child_messages.html", child=child, tab="messages", result=result)
