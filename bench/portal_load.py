"""The portal benchmark's load generator: `clients` keep-alive connections, each asking pages in a loop.

Usage: .venv/bin/python bench/portal_load.py PORT SECONDS WARMUP CLIENTS PLAN.json [THINK]  (one JSON line)
PLAN.json: a list of [cookie or "", [path, ...]]; each request takes a random entry, then a random path.
Kept light for the 2 cores it shares with the server: one process, one asyncio loop, requests built as
bytes, only the status line and `Content-Length` parsed; its own CPU time is reported beside the figures.
With THINK (seconds), each client waits a random 0..2×THINK after each answer, as a reader would.
A server that closes the connection (gunicorn's sync workers) is reconnected to, as a browser would.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time


async def _client(
    port: int, plan: list[tuple[bytes, list[bytes]]], stop: float, since: float, think: float, out: dict
) -> None:
    rng = random.Random()
    reader = writer = None
    while time.perf_counter() < stop:
        cookie, paths = rng.choice(plan)
        request = b"GET " + rng.choice(paths) + b" HTTP/1.1\r\nHost: localhost\r\n" + cookie + b"\r\n"
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert reader is not None
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            lower = head.lower()
            at = lower.find(b"content-length:")
            length = int(head[at + 15 : head.index(b"\r\n", at)]) if at >= 0 else 0
            await reader.readexactly(length)
            if b"connection: close" in lower:
                writer.close()
                reader = writer = None
        except (OSError, asyncio.IncompleteReadError, ValueError):
            out["errors"] += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.01)
            continue
        ended = time.perf_counter()
        out["all"] += 1
        if started >= since:
            out["latencies"].append(ended - started)
            out["statuses"][status] = out["statuses"].get(status, 0) + 1
        if think:
            await asyncio.sleep(rng.uniform(0, 2 * think))
    if writer is not None:
        writer.close()


async def _run(
    port: int, seconds: float, warmup: float, clients: int, plan: list[tuple[bytes, list[bytes]]], think: float
) -> dict:
    out: dict = {"latencies": [], "statuses": {}, "errors": 0, "all": 0}
    since = time.perf_counter() + warmup
    stop = since + seconds
    await asyncio.gather(*(_client(port, plan, stop, since, think, out) for _ in range(clients)))
    return out


def main() -> None:
    port, seconds, warmup, clients = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    with open(sys.argv[5], encoding="utf-8") as file:
        raw = json.load(file)
    plan = [
        ((b"Cookie: session=" + cookie.encode() + b"\r\n") if cookie else b"", [p.encode() for p in paths])
        for cookie, paths in raw
    ]
    cpu = os.times()
    think = float(sys.argv[6]) if len(sys.argv) > 6 else 0.0
    out = asyncio.run(_run(port, seconds, warmup, clients, plan, think))
    used = os.times()
    latencies = sorted(out["latencies"])
    n = len(latencies)
    pick = lambda share: latencies[min(n - 1, round(share * (n - 1)))] * 1000 if n else float("nan")  # noqa: E731
    print(json.dumps({
        "requests": n, "all": out["all"], "rate": n / seconds, "p50": pick(0.5), "p95": pick(0.95), "p99": pick(0.99),
        "statuses": out["statuses"], "errors": out["errors"],
        "client_cpu_ms_per_request": (used.user + used.system - cpu.user - cpu.system) * 1000 / max(1, out["all"]),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
