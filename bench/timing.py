"""Server-side time of the benchmarks' requests: a WSGI middleware that records it, and its percentiles.

Not a benchmark itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any


class Timed:
    """WSGI middleware recording the server-side seconds of every request."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.seconds: list[float] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        body = list(self.app(environ, start_response))  # the whole response, as a server would send it
        self.seconds.append(time.perf_counter() - started)
        return body


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]
