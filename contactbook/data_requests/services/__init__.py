"""Data requests' services: the only code of the feature that writes, each call one unit of work, audited.

- `asking`: a family asks for a copy of its data or its erasure, in one school.
- `answering`: the school marks a copy provided, or carries out an erasure (`erasure` holds its steps).
"""

from contactbook.data_requests.rules import DataRequestError
from contactbook.data_requests.services.answering import carry_out_erasure, provide_copy
from contactbook.data_requests.services.asking import ask

__all__ = ["DataRequestError", "ask", "carry_out_erasure", "provide_copy"]
