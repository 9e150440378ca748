"""Every kind of message a family can receive has a name in the portal, in Vietnamese, never its code."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import force_locale

from contactbook.attendance.services.alerts import FOLLOW_UP_KIND
from contactbook.attendance.services.alerts import KIND as ABSENCE
from contactbook.early_warnings.services import KIND as WARNING
from contactbook.family.child_messages import KIND_LABELS
from contactbook.family.service_labels import message_kind_label

# The kinds the features write for families (their outbox rows), new features' included.
FAMILY_KINDS = (
    "notice",
    "score",
    "renewal",
    "welcome",
    "daily_note",
    ABSENCE,
    FOLLOW_UP_KIND,
    "leave_decision",
    WARNING,
)


@pytest.mark.parametrize("kind", FAMILY_KINDS)
def test_the_value_statement_and_the_messages_tab_name_each_kind_in_vietnamese(app: Flask, kind: str) -> None:
    with app.test_request_context():
        statement, tab = message_kind_label(kind), str(KIND_LABELS[kind])
        with force_locale("en"):
            english = message_kind_label(kind), str(KIND_LABELS[kind])
    assert kind not in (statement, tab)
    assert (statement, tab) != english  # translated: the pages are in Vietnamese by default
    assert statement != english[0] and tab != english[1]
