"""Text messages behind one interface: ``send_sms(to=…, text=…, idempotency_key=…)``.

``settings.SMS_BACKEND`` picks the carrier:

* ``console`` writes one log line per message, with the number masked (development);
* ``file`` appends a JSON line per message to ``SMS_FILE_PATH/<date>.jsonl``; the file plays
  the customer's phone in tests and demos, so it holds the full number and text;
* ``http`` posts JSON to ``SMS_GATEWAY_URL`` with a bearer key and an ``Idempotency-Key``
  header, so that a message we send twice (after a time-out, say) reaches the phone once.

Failures raise :class:`SmsTemporaryError` (worth another try; ``retry_after`` when the
gateway said when) or :class:`SmsRejectedError` (never going to work). Their messages name
the failure, never the number or the text.
"""

from __future__ import annotations

import datetime
import email.utils
import json
import logging
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone

from kyc_portal.crypto.masking import mask_phone

from .errors import SmsRejectedError, SmsTemporaryError

__all__ = [
    "ConsoleSmsBackend",
    "FileSmsBackend",
    "HttpSmsBackend",
    "SmsBackend",
    "SmsReceipt",
    "SmsRejectedError",
    "SmsTemporaryError",
    "get_sms_backend",
    "send_sms",
]

logger = logging.getLogger(__name__)

# A gateway asking us to wait longer than this is treated as asking for an hour.
MAX_RETRY_AFTER_SECONDS = 3600


@dataclass(frozen=True)
class SmsReceipt:
    """What the carrier told us: its own message id when it gave one."""

    backend: str
    provider_id: str = ""


class SmsBackend(Protocol):
    name: str

    def send(self, *, to: str, text: str, idempotency_key: str) -> SmsReceipt: ...


class ConsoleSmsBackend:
    """Logs the message; the number is masked, because logs are kept and shipped."""

    name = "console"

    def send(self, *, to: str, text: str, idempotency_key: str) -> SmsReceipt:
        logger.info("SMS to %s (idempotency key %s):\n%s", mask_phone(to), idempotency_key, text)
        return SmsReceipt(backend=self.name)


class FileSmsBackend:
    """Appends ``{"at", "to", "sender", "text", "idempotency_key"}`` as one JSON line."""

    name = "file"

    def __init__(self, directory: str | os.PathLike | None = None) -> None:
        self.directory = Path(directory or settings.SMS_FILE_PATH)

    def path_for(self, moment: datetime.datetime) -> Path:
        return self.directory / f"{timezone.localtime(moment):%Y-%m-%d}.jsonl"

    def send(self, *, to: str, text: str, idempotency_key: str) -> SmsReceipt:
        now = timezone.now()
        line = json.dumps(
            {
                "at": now.isoformat(),
                "to": to,
                "sender": settings.SMS_SENDER_ID,
                "text": text,
                "idempotency_key": idempotency_key,
            },
            ensure_ascii=False,
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        # One write() on a file opened for appending: lines from parallel workers never mix.
        descriptor = os.open(self.path_for(now), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, (line + "\n").encode())
        finally:
            os.close(descriptor)
        return SmsReceipt(backend=self.name)


def _retry_after_seconds(header: str | None) -> float | None:
    """``Retry-After`` as seconds (``120``) or as an HTTP date; None when absent or odd."""
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return float(min(int(header), MAX_RETRY_AFTER_SECONDS))
    try:
        moment = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    seconds = (moment - timezone.now()).total_seconds()
    return float(min(max(seconds, 0), MAX_RETRY_AFTER_SECONDS))


class HttpSmsBackend:
    """JSON over HTTPS to the operator's SMS gateway.

    Request: ``POST SMS_GATEWAY_URL`` with ``{"to", "text", "sender"}``, headers
    ``Authorization: Bearer <SMS_GATEWAY_API_KEY>`` and ``Idempotency-Key``. A 2xx answer
    must be a JSON object (its ``id`` or ``message_id`` is kept). A 2xx answer that is not
    JSON counts as a temporary failure: the gateway may or may not have taken the message,
    and asking again with the same idempotency key is safe either way.
    """

    name = "http"

    def __init__(
        self, *, url: str | None = None, api_key: str | None = None, timeout: float | None = None
    ) -> None:
        self.url = url or settings.SMS_GATEWAY_URL
        self.api_key = api_key or settings.SMS_GATEWAY_API_KEY
        self.timeout = timeout if timeout is not None else settings.SMS_GATEWAY_TIMEOUT
        if not self.url.startswith(("https://", "http://")):
            raise ValueError("SMS_GATEWAY_URL must be an http(s):// address.")

    def send(self, *, to: str, text: str, idempotency_key: str) -> SmsReceipt:
        body = json.dumps(
            {"to": to, "text": text, "sender": settings.SMS_SENDER_ID}, ensure_ascii=False
        ).encode()
        request = urllib.request.Request(  # noqa: S310  the scheme is checked in __init__
            self.url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {self.api_key}",
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "Idempotency-Key": idempotency_key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
                raw = response.read()
        except urllib.error.HTTPError as error:
            error.close()
            raise self._error_for_status(error.code, error.headers.get("Retry-After")) from None
        except TimeoutError:
            raise SmsTemporaryError(
                f"the SMS gateway did not answer within {self.timeout:g} s", code="sms_timeout"
            ) from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise SmsTemporaryError(
                    f"the SMS gateway did not answer within {self.timeout:g} s",
                    code="sms_timeout",
                ) from None
            raise SmsTemporaryError(
                f"the SMS gateway cannot be reached ({type(error.reason).__name__})",
                code="sms_unreachable",
            ) from None
        except OSError as error:  # the connection dropped while reading the answer
            raise SmsTemporaryError(
                f"the connection to the SMS gateway broke ({type(error).__name__})",
                code="sms_unreachable",
            ) from None
        try:
            answer = json.loads(raw)
        except (UnicodeDecodeError, ValueError):
            answer = None
        if not isinstance(answer, dict):
            raise SmsTemporaryError(
                f"the SMS gateway answered {status} with a body that is not a JSON object; "
                "the message will be sent again with the same idempotency key",
                code="sms_malformed_answer",
            )
        provider_id = answer.get("id") or answer.get("message_id") or ""
        return SmsReceipt(backend=self.name, provider_id=str(provider_id))

    @staticmethod
    def _error_for_status(status: int, retry_after: str | None):
        if status == 429:
            return SmsTemporaryError(
                "the SMS gateway asks us to slow down (429)",
                code="sms_rate_limited",
                retry_after=_retry_after_seconds(retry_after),
            )
        if status >= 500 or status == 408:
            return SmsTemporaryError(
                f"the SMS gateway failed with status {status}", code="sms_gateway_error"
            )
        return SmsRejectedError(
            f"the SMS gateway refused the message with status {status}", code="sms_rejected"
        )


_BACKENDS: dict[str, type] = {
    "console": ConsoleSmsBackend,
    "file": FileSmsBackend,
    "http": HttpSmsBackend,
}


def get_sms_backend(name: str | None = None) -> SmsBackend:
    """The backend named by ``name`` or ``settings.SMS_BACKEND`` (read on each call)."""
    return _BACKENDS[name or settings.SMS_BACKEND]()


def send_sms(*, to: str, text: str, idempotency_key: str) -> SmsReceipt:
    """Send one text message; the same ``idempotency_key`` must never reach a phone twice."""
    return get_sms_backend().send(to=to, text=text, idempotency_key=idempotency_key)
