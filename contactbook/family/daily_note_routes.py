"""A preschool child's daily notes in the families' portal: the tab "Daily notes" (another school's child: 404).

The child is found among the signed-in family's (`child_or_404`); the reading is in `child_daily_notes`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue

from contactbook.daily_notes.rules import LABELS
from contactbook.family.child_daily_notes import daily_notes_of, has_daily_notes
from contactbook.family.children import child_or_404
from contactbook.family.session import family_required, signed_in_family
from contactbook.inputs import page_number

bp = Blueprint("family_daily_notes", __name__)


@bp.app_context_processor
def _daily_notes_tab() -> dict[str, Any]:
    # The child pages' tabs (family/child_base.html) show "Daily notes" for a preschool's child only.
    return {"has_daily_notes": has_daily_notes}


@bp.route("/<int:student_id>/daily-notes")
@family_required
def daily_notes(student_id: int) -> ResponseReturnValue:
    child = child_or_404(signed_in_family(), student_id)
    if not has_daily_notes(child):
        abort(404)  # not a preschool's child: no such page
    result = daily_notes_of(child, page_number())
    return render_template(
        "family/child_daily_notes.html", child=child, tab="daily_notes", result=result, labels=LABELS
    )
