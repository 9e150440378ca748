"""`make run` (contactbook.devstack): once worker, beat and web are up, the URL and the logins, once, last.

Runs the real one-machine stack (SQLite, embedded Redis, a Celery worker and beat, the web) in a
temporary instance directory, as a newcomer's first `make run`, then stops it with Ctrl-C.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 240


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    url: str
    process: subprocess.Popen[str]
    lines: list[str]

    def output(self) -> str:
        return "".join(self.lines)


def read_until(stack: Stack, mark: str, seconds: float) -> None:
    """Collect the stack's output until a line holds `mark` (fails if it stops or takes too long)."""
    assert stack.process.stdout is not None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = stack.process.stdout.readline()
        if not line:
            pytest.fail(f"make run stopped before printing {mark!r}:\n{stack.output()}")
        stack.lines.append(line)
        if mark in line:
            return
    pytest.fail(f"make run did not print {mark!r} within {seconds} s:\n{stack.output()}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    instance = tmp_path_factory.mktemp("instance")
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "APP_ENV", "DEV_PAGES", "FLASK_APP")
    }
    env.update(CONTACTBOOK_INSTANCE=str(instance), PORT=str(port), PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "contactbook.devstack"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    running = Stack(f"http://127.0.0.1:{port}", process, [])
    try:
        read_until(running, "Press Ctrl-C", START_SECONDS)
        time.sleep(2)  # anything printed after the banner would show up now
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=60)


def test_the_url_and_the_logins_are_printed_once(stack: Stack) -> None:
    out = stack.output()
    assert out.count(f"{stack.url}/\n") == 1
    assert out.count("Demo logins") == 1
    assert out.count("Press Ctrl-C") == 1


def test_the_banner_comes_after_the_worker_beat_and_web_are_up(stack: Stack) -> None:
    out = stack.output()
    banner = out.index("Demo logins")
    assert re.search(r"celery@\S+ ready\.", out[:banner]), "the worker was not ready before the banner"
    assert "beat: Starting" in out[:banner]
    assert "ready." not in out[banner:] and "beat: Starting" not in out[banner:]
    assert out.index(f"ready at {stack.url}/") < banner < out.index("Press Ctrl-C")


def test_roles_are_named_in_vietnamese(stack: Stack) -> None:
    logins = stack.output()[stack.output().index("Demo logins") :]
    for name in ("Quản trị trường", "Hiệu trưởng", "Kế toán", "Giáo viên bộ môn", "Giáo viên chủ nhiệm"):
        assert name in logins
    for code in ("school_admin", "homeroom_teacher", "platform operator"):
        assert code not in logins


def test_the_demo_admin_logs_in_and_the_favicon_answers(stack: Stack) -> None:
    browser = requests.Session()
    login_page = browser.get(stack.url + "/s/thcs-nguyen-du/login", timeout=10)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page.text)
    assert token, "no CSRF token on the login page"
    answer = browser.post(
        stack.url + "/s/thcs-nguyen-du/login",
        data={"csrf_token": token.group(1), "username": "admin", "password": "SoLienLac2026"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/s/thcs-nguyen-du/home")
    icon = browser.get(stack.url + "/favicon.ico", timeout=10)
    assert icon.status_code == 200 and icon.content[:4] == b"\x00\x00\x01\x00"


def _form_token(session: requests.Session, url: str) -> str:
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', session.get(url, timeout=10).text)
    assert token, f"no CSRF token on {url}"
    return token.group(1)


def test_the_printed_family_number_signs_in_with_the_code_from_the_console_outbox(stack: Stack) -> None:
    number = re.search(r"try the number ([0-9 ]+)\.", stack.output())
    assert number, "no family number in the banner"
    family = requests.Session()
    sign_in = stack.url + "/family/sign-in"
    data = {"csrf_token": _form_token(family, sign_in), "phone": number.group(1)}
    assert family.post(sign_in, data=data, timeout=10).status_code == 200
    staff = requests.Session()  # another browser: the outbox needs a signed-in account
    login = stack.url + "/login"
    operator = {"csrf_token": _form_token(staff, login), "username": "operator", "password": "SoLienLac2026"}
    staff.post(login, data=operator, timeout=10)
    code = None
    for _ in range(60):  # the worker sends it through the console provider
        code = re.search(r"\b(\d{6}) la ma dang nhap", staff.get(stack.url + "/dev/outbox", timeout=10).text)
        if code:
            break
        time.sleep(0.5)
    assert code, "the code never reached /dev/outbox"
    e164 = "+84" + number.group(1).replace(" ", "")[1:]
    typed = {**data, "phone": e164, "code": code.group(1)}
    answer = family.post(sign_in, data=typed, allow_redirects=False, timeout=10)
    assert answer.status_code == 302 and answer.headers["Location"] == "/family/"
    children = family.get(stack.url + "/family/", timeout=10).text
    assert "Trường THCS Nguyễn Du" in children and "Trường Tiểu học Lê Ngọc Hân" in children


def test_ctrl_c_stops_everything(stack: Stack) -> None:
    stack.process.send_signal(signal.SIGINT)
    rest, _ = stack.process.communicate(timeout=60)
    stack.lines.append(rest)
    assert stack.process.returncode == 0
    assert re.search(r"^Stopped\.$", stack.output(), re.MULTILINE)
