"""The bare sender: the twilio async client alone, no database and no queue, as the fan-out's ceiling.

`bare_rate()` starts `processes` processes, each sending its share of `n` SMS through
`TwilioSmsProvider` (twilio-python's async client on our aiohttp pool, `in_flight` requests at a time)
to the same fake Twilio the pipeline used, and answers messages per second from the moment every
process is ready to the moment the last one is done. Not a benchmark itself; `fanout.py` uses it.
"""

from __future__ import annotations

import multiprocessing
import time
from multiprocessing.synchronize import Barrier

from contactbook.messaging.providers.twilio import TwilioSmsProvider
from tests.messaging.conftest import ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID


def _send_share(base_url: str, first: int, count: int, in_flight: int, ready: Barrier) -> None:
    provider = TwilioSmsProvider(
        ACCOUNT_SID, AUTH_TOKEN, messaging_service_sid=SERVICE_SID, base_url=base_url, concurrency=in_flight
    )
    provider.send_many([("warm-up", "+84900000000", "warm-up")])  # the loop, the pool, the imports
    items = [(f"bare-{i}", f"+848{i:08d}", "Học sinh nghỉ học ngày mai.") for i in range(first, first + count)]
    ready.wait()
    results = provider.send_many(items)
    failures = [r for r in results if isinstance(r, Exception)]
    if failures:
        raise SystemExit(f"bare sender: {len(failures)} failures, first {failures[0]!r}")
    ready.wait()
    provider.close()


def bare_rate(base_url: str, n: int, processes: int = 2, in_flight: int = 200) -> float:
    """Messages per second that `processes` bare senders reach together against `base_url`."""
    context = multiprocessing.get_context("spawn")  # no inherited loop threads or connections
    ready = context.Barrier(processes + 1)
    share = n // processes
    workers = [
        context.Process(target=_send_share, args=(base_url, i * share, share, in_flight, ready))
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    ready.wait()  # every sender warmed up
    started = time.perf_counter()
    ready.wait()  # every sender done
    seconds = time.perf_counter() - started
    for worker in workers:
        worker.join(timeout=30)
        if worker.exitcode != 0:
            raise RuntimeError(f"a bare sender failed (exit code {worker.exitcode})")
    return share * processes / seconds
