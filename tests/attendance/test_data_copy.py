"""A family's copy of its data holds its children's attendance marks, and no other child's."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, time

from contactbook.data_requests.copy import copy_file
from contactbook.data_requests.holder import holder_of
from contactbook.extensions import db
from contactbook.models import AttendanceStatus
from tests.attendance.factories import put_mark
from tests.data_requests.factories import family_of
from tests.data_requests.support import MOTHER_PHONE, make_data_world
from tests.factories import World


def test_the_copy_holds_the_childs_marks_with_their_times(world: World) -> None:
    dw = make_data_world(world)
    mark = put_mark(dw.alpha.roster.school_class, dw.alpha.an, date(2025, 12, 1), AttendanceStatus.LATE)
    mark.arrived_at, mark.picked_up_at, mark.reason = time(7, 15), time(16, 30), "Sửa: đến muộn"
    db.session.commit()

    family = family_of(MOTHER_PHONE)
    content = copy_file(holder_of(dw.alpha.people.school, family.id, [dw.mother.id]))

    with zipfile.ZipFile(io.BytesIO(content)) as package:
        document = json.loads(package.read("data.json"))
        sheet = package.read("attendance_marks.csv").decode("utf-8-sig")
    marks = document["sections"]["attendance_marks"]
    assert [(m["day"], m["status"], m["arrived_at"], m["picked_up_at"]) for m in marks] == [
        (dw.alpha.first.starts_on.isoformat(), "unexcused", None, None),
        ("2025-12-01", "late", "07:15", "16:30"),
    ]
    assert {m["student_id"] for m in marks} == {dw.alpha.an.id}  # not Cường's mark
    assert "Sửa: đến muộn" in sheet
