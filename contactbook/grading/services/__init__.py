"""The grade book's services: the only code of the grade book that writes, each call one unit of work and
one commit. Views, the spreadsheet import, the CLI and the coming portal call these, so the rules hold for all.

- `grids`: who may see and enter a grid (`teaches`, `leads`, `may_view`), loading it, `save_grid`.
- `publishing`: `preview_publication`, then `publish` a column to the families.
- `corrections`: `correct` a published score (its subject's teacher of the student's class now, `may_correct`).
- `term_records`: `save_term_records`, the homeroom teacher's conduct and qualities.
"""

from contactbook.grading.services.corrections import (
    REASON_MAX,
    REASON_MIN,
    correct,
    correction_grid,
    corrections_of,
    may_correct,
)
from contactbook.grading.services.grids import (
    CHANGED_MEANWHILE,
    GRID_ERROR,
    LOCKED,
    GradingError,
    Grid,
    leads,
    load_grid,
    may_view,
    read_grid,
    save_grid,
    teaches,
)
from contactbook.grading.services.publishing import PublishPreview, preview_publication, publish, shown
from contactbook.grading.services.term_records import save_term_records, term_fields

__all__ = [
    "CHANGED_MEANWHILE",
    "GRID_ERROR",
    "LOCKED",
    "REASON_MAX",
    "REASON_MIN",
    "GradingError",
    "Grid",
    "PublishPreview",
    "correct",
    "correction_grid",
    "corrections_of",
    "leads",
    "load_grid",
    "may_correct",
    "may_view",
    "preview_publication",
    "publish",
    "read_grid",
    "save_grid",
    "save_term_records",
    "shown",
    "teaches",
    "term_fields",
]
