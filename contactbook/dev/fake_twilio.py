"""A stand-in for Twilio's Messages API, for tests and benchmarks, in its own process.

    python -m contactbook.dev.fake_twilio --port 8765 [--latency 0.05] [--auth-token T]
        [--callbacks | --callback-url URL]

It answers `POST /2010-04-01/Accounts/<sid>/Messages.json` as Twilio does (HTTP 201, a message in
status "queued"), counts every request per `To`+`Body`, and can be told to misbehave. Control
endpoints, plain JSON, no auth, loopback clients only:

- `GET /_stats`: requests in total, per message ("To|Body": count), duplicates (messages requested
  more than once), accepted messages (and per message), accepted_duplicates (messages accepted more than
  once), answers per HTTP status, TCP connections accepted, callbacks posted, failed, retried and still
  pending, the last requests' parameters (`?brief=1` leaves out the per-message counts);
- `POST /_config` with any of `DEFAULTS` below (rates are 0..1) and `seed`;
- `POST /_reset`: forget the counts, drop the callbacks not posted yet, and go back to the command-line
  settings.

With callbacks on (`--callbacks`, or `{"callbacks": true}` in `/_config`), each accepted message gets
signed status callbacks (queued, sent, delivered; or undelivered with an ErrorCode for numbers in
`undelivered_for`) posted to the `StatusCallback` URL of its request, as Twilio does; `--callback-url`
instead posts every message's callbacks to that one URL. Each is signed as Twilio signs: the full URL
(query included) and the sorted POST parameters, HMAC-SHA1 with the auth token. They are posted from
background threads, shuffled or duplicated on request as Twilio's can be, held back while
`callbacks_held` is true, and one answered 5xx or not answered at all is posted again up to
`callback_retries` times, `callback_retry_delay` seconds apart.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import copy
import ipaddress
import json
import math
import random
import re
import secrets
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode

from twilio.request_validator import RequestValidator

MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[A-Za-z0-9]+)/Messages\.json$")
MAX_BODY = 1600  # characters; longer bodies are Twilio error 21617
RECENT = 100

DEFAULTS: dict[str, Any] = {
    "latency": 0.0,  # seconds before answering each message request
    "fail_rate_500": 0.0,  # answer HTTP 500 (error 20500)
    "fail_rate_429": 0.0,  # answer HTTP 429 (error 20429)
    "timeout_rate": 0.0,  # accept the message, but answer only after `timeout_sleep` seconds
    "timeout_sleep": 30.0,
    "disconnect_rate": 0.0,  # accept the message, then close the connection without answering
    "error_code_for": {},  # {"+84...": 21211}: answer HTTP 400 with that Twilio error code
    "undelivered_for": {},  # {"+84...": 30003}: callbacks end in "undelivered" with that ErrorCode
    "callback_shuffle": 0.0,  # share of messages whose callbacks are posted in random order
    "callback_duplicate": 0.0,  # share of callbacks posted twice
    "callback_delay": 0.0,  # seconds between a message's callbacks
    "callbacks": False,  # post callbacks to each request's StatusCallback (always on with --callback-url)
    "callbacks_held": False,  # keep the callbacks back until this is false again
    "callback_retries": 0,  # posts again of a callback answered 5xx or not answered
    "callback_retry_delay": 0.5,  # seconds between those
}
HELD_POLL = 0.05  # seconds between looks at `callbacks_held`

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[]~|€\f")


def segments(body: str) -> int:
    """How many SMS segments Twilio would bill for `body` (GSM-7 or, with any other character, UCS-2)."""
    if all(ch in GSM7 or ch in GSM7_EXTENSION for ch in body):
        length, single, part = sum(2 if ch in GSM7_EXTENSION else 1 for ch in body), 160, 153
    else:
        length, single, part = len(body.encode("utf-16-le")) // 2, 70, 67
    return 1 if length <= single else math.ceil(length / part)


class FakeTwilioServer(ThreadingHTTPServer):
    """The fake's HTTP server: one daemon thread per connection and a deep listen backlog."""

    daemon_threads = True
    request_queue_size = 1024

    def __init__(
        self, address: tuple[str, int], latency: float, callback_url: str, auth_token: str, callbacks: bool = False
    ) -> None:
        super().__init__(address, FakeTwilioHandler)
        self.callback_url = callback_url
        self.auth_token = auth_token
        self.initial = {**DEFAULTS, "latency": latency, "callbacks": callbacks or bool(callback_url)}
        self.lock = threading.Lock()
        self.callbacks = ThreadPoolExecutor(max_workers=8, thread_name_prefix="callback")
        self.generation = 0  # moved on by a reset: callbacks scheduled before it are dropped
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.generation += 1
            self.config: dict[str, Any] = copy.deepcopy(self.initial)
            self.rng = random.Random()  # noqa: S311 (fault injection, not security)
            self.total = 0
            self.accepted = 0
            self.per_message: Counter[tuple[str, str]] = Counter()
            self.per_accepted: Counter[tuple[str, str]] = Counter()
            self.statuses: Counter[int] = Counter()
            self.recent: deque[dict[str, str]] = deque(maxlen=RECENT)
            self.callbacks_sent = 0
            self.callback_errors = 0
            self.callbacks_retried = 0
            self.callbacks_pending = 0
            self.connections = 0  # TCP connections accepted: tells whether clients reuse theirs

    def configure(self, changes: dict[str, Any]) -> list[str]:
        """Apply `changes` to the fault settings; the names it does not know, if any (nothing applied)."""
        unknown = [name for name in changes if name not in DEFAULTS and name != "seed"]
        if not unknown:
            with self.lock:
                if "seed" in changes:
                    self.rng.seed(changes["seed"])
                self.config.update({k: v for k, v in changes.items() if k != "seed"})
        return unknown

    def record(self, params: dict[str, str]) -> tuple[dict[str, Any], float]:
        """Count one message request; the settings to answer it with and a random draw for faults."""
        with self.lock:
            self.total += 1
            self.per_message[(params.get("To", ""), params.get("Body", ""))] += 1
            self.recent.append(params)
            return dict(self.config), self.rng.random()

    def answered(self, status: int, accepted: bool, key: tuple[str, str] | None = None) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.accepted += accepted
            if accepted and key is not None:
                self.per_accepted[key] += 1

    def stats(self) -> dict[str, Any]:
        with self.lock:
            messages = {f"{to}|{body}": n for (to, body), n in self.per_message.items()}
            return {
                "total": self.total,
                "accepted": self.accepted,
                "distinct": len(messages),
                "messages": messages,
                "duplicates": {key: n for key, n in messages.items() if n > 1},
                # Messages accepted (HTTP 201) more than once: a retry after a 500 is not one of these.
                "accepted_duplicates": {f"{to}|{body}": n for (to, body), n in self.per_accepted.items() if n > 1},
                "accepted_messages": {f"{to}|{body}": n for (to, body), n in self.per_accepted.items()},
                "statuses": {str(code): n for code, n in self.statuses.items()},
                "connections": self.connections,
                "callbacks_sent": self.callbacks_sent,
                "callback_errors": self.callback_errors,
                "callbacks_retried": self.callbacks_retried,
                "callbacks_pending": self.callbacks_pending,
                "recent": list(self.recent),
                "config": self.config,
            }

    def schedule_callbacks(self, message: dict[str, Any], status_callback: str, config: dict[str, Any]) -> None:
        """Post the message's status callbacks later, from the callback threads, when callbacks are on."""
        url = self.callback_url or status_callback
        if not (config["callbacks"] and url):
            return
        error_code = config["undelivered_for"].get(message["to"])
        final = [("undelivered", str(error_code))] if error_code else [("delivered", "")]
        steps = [("queued", ""), ("sent", ""), *final]
        with self.lock:
            if self.rng.random() < config["callback_shuffle"]:
                self.rng.shuffle(steps)
            twice = [self.rng.random() < config["callback_duplicate"] for _ in steps]
            steps = [step for step, again in zip(steps, twice, strict=True) for _ in range(1 + again)]
            self.callbacks_pending += len(steps)
            generation = self.generation
        self.callbacks.submit(self._post_callbacks, url, message, steps, generation)

    def _current(self, generation: int) -> bool:
        with self.lock:
            return generation == self.generation

    def _post_callbacks(self, url: str, message: dict[str, Any], steps: list[tuple[str, str]], generation: int) -> None:
        validator = RequestValidator(self.auth_token)
        for status, error_code in steps:
            while self._current(generation) and self.config["callbacks_held"]:
                time.sleep(HELD_POLL)
            time.sleep(self.config["callback_delay"])
            if not self._current(generation):
                return  # a reset: the counts that would include these were forgotten too
            params = {
                "AccountSid": message["account_sid"],
                "ApiVersion": "2010-04-01",
                "MessageSid": message["sid"],
                "SmsSid": message["sid"],
                "MessageStatus": status,
                "SmsStatus": status,
                "To": message["to"],
                "From": message["from"],
                "MessagingServiceSid": message["messaging_service_sid"],
                "ErrorCode": error_code,
            }
            params = {name: value for name, value in params.items() if value}  # Twilio omits empty fields
            ok = self._post(url, params, validator.compute_signature(url, params), generation)
            with self.lock:
                if generation == self.generation:
                    self.callbacks_sent += ok
                    self.callback_errors += not ok
                    self.callbacks_pending -= 1

    def _post(self, url: str, params: dict[str, str], signature: str, generation: int) -> bool:
        """Post one callback, and again (up to `callback_retries` times) while it is answered 5xx or not at all."""
        for attempt in range(1 + int(self.config["callback_retries"])):
            if attempt:
                time.sleep(self.config["callback_retry_delay"])
                if not self._current(generation):
                    return False
                with self.lock:
                    self.callbacks_retried += 1
            request = urllib.request.Request(  # noqa: S310 (a URL our own client gave, or our command line)
                url, data=urlencode(params).encode(), headers={"X-Twilio-Signature": signature}
            )
            try:
                with urllib.request.urlopen(request, timeout=10):  # noqa: S310
                    return True
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    return False  # refused: posting it again would be refused again
            except OSError:
                pass  # not answered: the server is away for now
        return False


class FakeTwilioHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the clients' connection pools expect
    server: FakeTwilioServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: thousands of requests a second would drown the terminal."""

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        if path == "/_stats" and self._local():
            stats = self.server.stats()
            if query == "brief=1":  # big benchmark runs: leave out the per-message counts
                del stats["messages"]
            self._json(200, stats)
        else:
            self._json(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path in ("/_config", "/_reset") and self._local():
            self._control(body)
            return
        match = MESSAGES_PATH.match(self.path)
        if match is None:
            self._json(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})
            return
        if not self._authorized(match["sid"]):
            self._error(401, 20003, "Authentication Error - invalid username")
            return
        params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        config, draw = self.server.record(params)
        time.sleep(config["latency"])
        self._answer_message(match["sid"], params, config, draw)

    def _answer_message(self, sid: str, params: dict[str, str], config: dict[str, Any], draw: float) -> None:
        to, text = params.get("To", ""), params.get("Body", "")
        refusal = _refusal(params, config)
        if refusal is not None:
            self._error(400, *refusal)
            return
        if draw < config["fail_rate_500"]:
            self._error(500, 20500, "An internal server error has occurred")
            return
        draw -= config["fail_rate_500"]
        if draw < config["fail_rate_429"]:
            self._error(429, 20429, "Too Many Requests")
            return
        draw -= config["fail_rate_429"]
        message = _message(sid, params, to, text)
        self.server.answered(201, accepted=True, key=(to, text))
        self.server.schedule_callbacks(message, params.get("StatusCallback", ""), config)
        if draw < config["timeout_rate"]:
            time.sleep(config["timeout_sleep"])
        elif draw - config["timeout_rate"] < config["disconnect_rate"]:
            self.close_connection = True
            return
        self._json(201, message, count=False)

    def _control(self, body: bytes) -> None:
        if self.path == "/_reset":
            self.server.reset()
            self._json(200, {"reset": True})
            return
        try:
            changes = json.loads(body or b"{}")
        except ValueError:
            self._json(400, {"error": "body is not JSON"})
            return
        unknown = self.server.configure(changes) if isinstance(changes, dict) else ["(not an object)"]
        if unknown:
            self._json(400, {"error": "unknown settings", "unknown": unknown, "known": sorted(DEFAULTS)})
        else:
            self._json(200, self.server.stats()["config"])

    def _local(self) -> bool:
        return ipaddress.ip_address(self.client_address[0]).is_loopback

    def _authorized(self, sid: str) -> bool:
        scheme, _, encoded = self.headers.get("Authorization", "").partition(" ")
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        token = self.server.auth_token
        return scheme.lower() == "basic" and user == sid and (not token or password == token)

    def _error(self, status: int, code: int, message: str) -> None:
        more_info = f"https://www.twilio.com/docs/errors/{code}"
        self._json(status, {"code": code, "message": message, "more_info": more_info, "status": status})

    def _json(self, status: int, payload: dict[str, Any], count: bool = True) -> None:
        if count and MESSAGES_PATH.match(self.path):
            self.server.answered(status, accepted=False)
        data = json.dumps(payload, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting (a timeout it asked for)


def _refusal(params: dict[str, str], config: dict[str, Any]) -> tuple[int, str] | None:
    """The Twilio error code and message this request is refused with, if any."""
    to = params.get("To", "")
    if to in config["error_code_for"]:
        return int(config["error_code_for"][to]), f"Refused for {to} (configured)"
    if not to:
        return 21604, "A 'To' phone number is required."
    if not params.get("Body"):
        return 21602, "Message body is required."
    if not (params.get("From") or params.get("MessagingServiceSid")):
        return 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message."
    if len(params["Body"]) > MAX_BODY:
        return 21617, "The concatenated message body exceeds the 1600 character limit."
    return None


def _message(account_sid: str, params: dict[str, str], to: str, text: str) -> dict[str, Any]:
    """A Message resource as Twilio returns it on creation."""
    sid = "SM" + secrets.token_hex(16)
    now = formatdate(usegmt=True)
    return {
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": text,
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": params.get("From") or None,
        "messaging_service_sid": params.get("MessagingServiceSid") or None,
        "num_media": "0",
        "num_segments": str(segments(text)),
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}/Media.json"},
        "to": to,
        "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json",
    }


def main(argv: list[str] | None = None) -> None:
    """Run the fake Twilio server until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before answering each message")
    parser.add_argument("--callbacks", action="store_true", help="post signed status callbacks to each StatusCallback")
    parser.add_argument("--callback-url", default="", help="post every message's signed status callbacks here")
    parser.add_argument("--auth-token", default="", help="signs callbacks; when set, requests must use it too")
    args = parser.parse_args(argv)
    if (args.callbacks or args.callback_url) and not args.auth_token:
        parser.error("callbacks need --auth-token to sign them")
    server = FakeTwilioServer(
        (args.host, args.port), args.latency, args.callback_url, args.auth_token, callbacks=args.callbacks
    )
    print(f"fake Twilio listening on http://{args.host}:{server.server_port}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.callbacks.shutdown(wait=False, cancel_futures=True)


if __name__ == "__main__":
    main()
