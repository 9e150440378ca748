"""Email over SMTP: one connection for a batch, a timeout on every call, each reply sorted by its code.

smtplib waits forever by default and `sendmail` hides at which step a failure happened; here each
message goes MAIL, RCPT, DATA by hand so a dropped connection before DATA is simply retried on a new
connection, while one during DATA is reported as ambiguous (the server may have queued the email).
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid, parseaddr

from contactbook.messaging.providers.base import (
    AmbiguousFailure,
    PermanentFailure,
    ProviderFailure,
    SendResult,
    TemporaryFailure,
)

# Replies to RCPT that mean the address itself does not work (bad syntax, no such mailbox, not local).
UNUSABLE_ADDRESS_CODES = frozenset({501, 550, 551, 553})


class _RecipientRefused(smtplib.SMTPResponseException):
    """RCPT was answered with an error: the reply is about the address."""


class _DataPhaseDisconnect(Exception):
    """The connection dropped once DATA had begun: the server may have taken the message."""


class _CannotConnect(Exception):
    """No SMTP session could be opened; carries the failure for every message still waiting."""

    def __init__(self, failure: TemporaryFailure) -> None:
        super().__init__(failure.reason)
        self.failure = failure


class SmtpEmailProvider:
    """Plain-text email through one SMTP server (optionally STARTTLS and login)."""

    def __init__(
        self,
        host: str,
        port: int,
        user: str = "",
        password: str = "",
        starttls: bool = False,
        mail_from: str = "so-lien-lac@localhost",
        timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.starttls = starttls
        self.mail_from = mail_from  # the From header, "Name <address>" or a bare address
        self.envelope_from = parseaddr(mail_from)[1] or mail_from
        if not self.envelope_from.isascii():
            raise ValueError(f"MAIL_FROM address must be ASCII: {mail_from!r}")
        self.timeout = timeout

    def send_email(self, to: str, subject: str, text_body: str) -> SendResult:
        """Send one email; raise a `ProviderFailure` if the server did not take it."""
        result = self.send_many([("", to, subject, text_body)])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def send_many(self, items: list[tuple[str, str, str, str]]) -> list[SendResult | Exception]:
        """Send `(message_key, to, subject, text_body)` items over one connection; a result or failure each."""
        results: list[SendResult | Exception] = []
        conn: smtplib.SMTP | None = None
        try:
            for index, (_key, to, subject, body) in enumerate(items):
                try:
                    message = self._message(to, subject, body)
                except ValueError as exc:  # a line break in the address: not even a header can carry it
                    results.append(PermanentFailure(f"unusable address {to!r}: {exc}", unusable_contact=True))
                    continue
                try:
                    conn, result = self._send_with_one_reconnect(conn, to, message)
                except _CannotConnect as exc:
                    # The server is unreachable: the rest of the batch would wait out the same timeout.
                    results.extend(exc.failure for _ in items[index:])
                    break
                results.append(result)
        finally:
            if conn is not None:
                _quit(conn)
        return results

    def _message(self, to: str, subject: str, body: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.mail_from
        message["To"] = to
        message["Subject"] = " ".join(subject.split())  # one line, whatever the template produced
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.envelope_from.rpartition("@")[2] or None)
        # base64 keeps Vietnamese text 7-bit clean for servers that do not offer 8BITMIME.
        message.set_content(body, charset="utf-8", cte=None if body.isascii() else "base64")
        return message

    def _connect(self) -> smtplib.SMTP:
        conn = smtplib.SMTP(timeout=self.timeout)
        try:
            conn.connect(self.host, self.port)
            conn.ehlo()
            if self.starttls:
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if self.user:
                conn.login(self.user, self.password)
        except (OSError, smtplib.SMTPException) as exc:
            # Refused, timed out, bad greeting or login: nothing was sent, and the address is not at fault.
            _close(conn)
            failure = TemporaryFailure(f"cannot open SMTP session with {self.host}:{self.port}: {exc!r}")
            raise _CannotConnect(failure) from exc
        return conn

    def _send_with_one_reconnect(
        self, conn: smtplib.SMTP | None, to: str, message: EmailMessage
    ) -> tuple[smtplib.SMTP | None, SendResult | Exception]:
        """Send on `conn` (opened if None); if it turns out dropped before DATA, reopen it once and resend."""
        for attempt in (1, 2):
            if conn is None:
                conn = self._connect()
            try:
                return conn, self._transact(conn, to, message)
            except smtplib.SMTPServerDisconnected as exc:
                _close(conn)
                conn = None
                if attempt == 2:
                    return None, TemporaryFailure(f"SMTP connection dropped twice before DATA: {exc}")
            except _DataPhaseDisconnect as exc:
                _close(conn)
                return None, AmbiguousFailure(f"SMTP connection dropped during DATA: {exc.__cause__}")
            except smtplib.SMTPResponseException as exc:
                if not _reset(conn):
                    conn = None
                return conn, _classify_reply(exc)
            except Exception as exc:
                # Unforeseen, and the session is in an unknown state: drop it, and never risk a second email.
                _close(conn)
                failure = AmbiguousFailure(f"unexpected error sending email: {exc!r}")
                failure.__cause__ = exc
                return None, failure
        raise AssertionError("unreachable")

    def _transact(self, conn: smtplib.SMTP, to: str, message: EmailMessage) -> SendResult:
        code, reply = conn.mail(self.envelope_from)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, self.envelope_from)
        try:
            code, reply = conn.rcpt(to)
        except UnicodeEncodeError as exc:  # raised before anything is written
            raise _RecipientRefused(553, b"address is not ASCII") from exc
        if code not in (250, 251):
            raise _RecipientRefused(code, reply)
        try:
            code, reply = conn.data(message.as_bytes(policy=SMTP_POLICY))
        except smtplib.SMTPServerDisconnected as exc:
            raise _DataPhaseDisconnect from exc
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)
        return SendResult(str(message["Message-ID"]))


def _classify_reply(exc: smtplib.SMTPResponseException) -> ProviderFailure:
    """4xx is temporary, 5xx permanent; a 501/550/551/553 to RCPT marks the address unusable."""
    reply = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    reason = f"SMTP {exc.smtp_code} {reply}"
    if 400 <= exc.smtp_code < 500:
        failure: ProviderFailure = TemporaryFailure(reason, exc.smtp_code)
    else:
        unusable = isinstance(exc, _RecipientRefused) and exc.smtp_code in UNUSABLE_ADDRESS_CODES
        failure = PermanentFailure(reason, exc.smtp_code, unusable_contact=unusable)
    failure.__cause__ = exc
    return failure


def _reset(conn: smtplib.SMTP) -> bool:
    """Abort the current transaction so the next message starts clean; False if the connection is gone."""
    try:
        conn.rset()
    except (OSError, smtplib.SMTPException):
        _close(conn)
        return False
    return True


def _quit(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (OSError, smtplib.SMTPException):
        _close(conn)


def _close(conn: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        conn.close()
