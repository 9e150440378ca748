"""Display names of data requests' kinds and statuses (translated; Vietnamese by default)."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from contactbook.models import DataRequestKind, DataRequestStatus

KIND_LABELS: dict[str, LazyString] = {
    DataRequestKind.COPY: _l("A copy of the data"),
    DataRequestKind.ERASURE: _l("Erasure of the data"),
}
STATUS_LABELS: dict[str, LazyString] = {
    DataRequestStatus.PENDING: _l("Waiting for the school"),
    DataRequestStatus.PROVIDED: _l("Copy provided"),
    DataRequestStatus.ERASED: _l("Erased"),
}


def kind_label(kind: str) -> str:
    """The display name of a request's kind."""
    return str(KIND_LABELS.get(kind, kind))


def status_label(status: str) -> str:
    """The display name of a request's status."""
    return str(STATUS_LABELS.get(status, status))
