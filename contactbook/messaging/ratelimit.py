"""A global send-rate limiter in Redis, shared by every worker (Celery's own limit is per worker).

Each caller reserves slots: the script moves a shared "next free moment" forward by n / rate and tells
the caller how long to wait before its n sends may start. The sends of all workers are so spaced at
the configured rate, whatever the number of workers.
"""

from __future__ import annotations

import time

import redis

RESERVE = """
local now = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now - burst then tat = now - burst end
local start = tat
redis.call('SET', KEYS[1], tostring(tat + cost), 'PX', math.ceil((tat + cost - now) * 1000) + 1000)
return tostring(start - now)
"""


class RateLimiter:
    """Reserve `n` sends at `rate` per second for sender `name`; `reserve` says how long to wait."""

    def __init__(self, client: redis.Redis, name: str, rate: float, burst_seconds: float = 0.2) -> None:
        self.client, self.key, self.rate, self.burst = client, f"ratelimit:{name}", rate, burst_seconds
        self.script = client.register_script(RESERVE)

    def reserve(self, n: int) -> float:
        """Seconds to wait before the next `n` sends may start (0 when they may start now)."""
        wait = float(self.script(keys=[self.key], args=[time.time(), n / self.rate, self.burst]))
        return max(wait, 0.0)

    def acquire(self, n: int) -> None:
        """Block until `n` sends may start."""
        wait = self.reserve(n)
        if wait > 0:
            time.sleep(wait)
