"""Background check by an outside vendor: JSON over HTTPS, answers now or later through a
signed webhook.

Request: ``POST BACKGROUND_VENDOR_URL`` with headers ``Authorization: Bearer
<BACKGROUND_VENDOR_API_KEY>`` and ``Idempotency-Key: <the check's key>`` (the same on every
attempt of one check, so a retried call is charged once), body::

    {"subject": {"type": "individual"|"enterprise", "name": …, "id_type": …, "id_number": …},
     "related_people": [{"roles": ["legal_representative"], "name": …, "id_type": …,
                         "id_number": …}, …]}

Answer (2xx, a JSON object), also the body of the webhook::

    {"status": "completed", "reference": "…", "result": "clear"|"hit"|"possible",
     "score": 0.87, "records": [{"record_type": …, "source": …, "date": …, …}, …]}
    {"status": "accepted", "reference": "…"}       the answer follows by webhook
    {"status": "failed", "reference": "…"}         the vendor could not check

Names and numbers go to the vendor (that is the purpose) and nowhere else: errors name the
HTTP status or the exception type, never the body. Only ``https://`` is used, except
``http://127.0.0.1`` for the tests' fake vendor.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import re
import time
import urllib.error
import urllib.request
from typing import Any, ClassVar
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from kyc_portal.core.errors import DomainError
from verification.checks.background import (
    NO_RECORD,
    POSSIBLE_MATCH,
    RECORD_FOUND,
    canonical_json,
    case_parties,
)
from verification.checks.base import (
    CheckRequest,
    CheckResult,
    ProviderError,
    ProviderTimeout,
)
from verification.checks.services import check_answer
from verification.enums import CheckKind, CheckOutcome
from verification.models import Check

logger = logging.getLogger(__name__)

# A vendor answer larger than this is not an answer to one check.
MAX_ANSWER_BYTES = 1_000_000
# A webhook older (or newer) than this is refused, so a recorded one cannot be replayed.
WEBHOOK_MAX_AGE_SECONDS = 300
MAX_RECORDS_KEPT = 50
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SUMMARY_OF_RESULT = {
    "clear": (CheckOutcome.PASS, NO_RECORD),
    "hit": (CheckOutcome.FAIL, RECORD_FOUND),
    "possible": (CheckOutcome.REVIEW, POSSIBLE_MATCH),
}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is refused: it could lead the API key and the names to plain HTTP."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _vendor_url() -> str:
    url = settings.BACKGROUND_VENDOR_URL
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname == "127.0.0.1":
        return url  # the tests' fake vendor
    raise ProviderError(
        "BACKGROUND_VENDOR_URL must be an https:// address.", code="vendor_misconfigured"
    )


def _post(url: str, *, body: bytes, idempotency_key: str, timeout: float) -> tuple[int, bytes]:
    request = urllib.request.Request(  # noqa: S310  the scheme is checked by _vendor_url
        url,
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {settings.BACKGROUND_VENDOR_API_KEY}",
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Idempotency-Key": idempotency_key,
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, response.read(MAX_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as error:
        error.close()
        raise _error_for_status(error.code) from None
    except TimeoutError:
        raise ProviderTimeout(f"The vendor did not answer within {timeout:g} s.") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise ProviderTimeout(f"The vendor did not answer within {timeout:g} s.") from None
        raise ProviderError(
            f"The vendor cannot be reached ({type(error.reason).__name__}).",
            code="vendor_unreachable",
            temporary=True,
        ) from None
    except (OSError, http.client.HTTPException) as error:  # dropped while answering
        raise ProviderError(
            f"The connection to the vendor broke ({type(error).__name__}).",
            code="vendor_unreachable",
            temporary=True,
        ) from None


def _error_for_status(status: int) -> ProviderError:
    if status == 429:
        return ProviderError(
            "The vendor asks us to slow down (429).", code="vendor_rate_limited", temporary=True
        )
    if status >= 500 or status in (408, 409):
        # 409: the vendor is still working on a request with this idempotency key.
        return ProviderError(
            f"The vendor failed with status {status}.", code="vendor_error", temporary=True
        )
    return ProviderError(f"The vendor refused the request ({status}).", code="vendor_refused")


def _bad_answer(problem: str) -> ProviderError:
    return ProviderError(f"The vendor's answer {problem}.", code="vendor_bad_answer")


def _code(value: Any) -> str:
    return value if isinstance(value, str) and _CODE.match(value) else "other"


def vendor_answer_result(answer: Any, *, raw: bytes) -> CheckResult:
    """The check's answer from the vendor's JSON (the direct answer or a webhook's body).
    An answer outside the contract raises ProviderError ``vendor_bad_answer``."""
    if not isinstance(answer, dict):
        raise _bad_answer("is not a JSON object")
    status, reference = answer.get("status"), answer.get("reference", "")
    if not isinstance(reference, str) or len(reference) > 120:
        raise _bad_answer("has a reference that is not a short text")
    if status == "accepted":
        if not reference:
            raise _bad_answer("accepts the request without giving a reference")
        return CheckResult.waiting(reference, raw=raw)
    if status == "failed":
        return CheckResult(
            outcome=CheckOutcome.ERROR, summary="vendor_failed", raw=raw, vendor_reference=reference
        )
    if status != "completed":
        raise _bad_answer("has no known status")
    if answer.get("result") not in SUMMARY_OF_RESULT:
        raise _bad_answer("has no known result")
    outcome, summary = SUMMARY_OF_RESULT[answer["result"]]
    records = answer.get("records", [])
    if not isinstance(records, list) or not all(isinstance(item, dict) for item in records):
        raise _bad_answer("has records that are not a list of objects")
    score = answer.get("score")
    if score is not None and (
        isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1
    ):
        raise _bad_answer("has a score outside 0 to 1")
    params: dict[str, Any] = {}
    if outcome != CheckOutcome.PASS:
        params = {
            "count": len(records),
            "record_types": sorted({_code(record.get("record_type")) for record in records}),
            "sources": sorted(
                {str(record["source"])[:100] for record in records if record.get("source")}
            ),
        }
        if score is not None:
            params["score"] = round(float(score), 3)
    return CheckResult(
        outcome=outcome,
        summary=summary,
        score=None if score is None else float(score),
        params=params,
        findings={"vendor_records": records[:MAX_RECORDS_KEPT]} if records else {},
        raw=raw,
        vendor_reference=reference,
    )


class HttpVendorProvider:
    kind: ClassVar[str] = CheckKind.BACKGROUND
    name: ClassVar[str] = "http_vendor"
    version: ClassVar[str] = "1"

    def run(self, request: CheckRequest) -> CheckResult:
        url = _vendor_url()
        subject, *people = case_parties(case=request.case)
        body = canonical_json(
            {
                "subject": {
                    "type": subject.subject_type,
                    "name": subject.name,
                    "id_type": subject.id_type,
                    "id_number": subject.id_number,
                },
                "related_people": [
                    {
                        "roles": list(person.roles),
                        "name": person.name,
                        "id_type": person.id_type,
                        "id_number": person.id_number,
                    }
                    for person in people
                ],
            }
        )
        status, raw = _post(
            url,
            body=body,
            idempotency_key=request.idempotency_key,
            timeout=settings.BACKGROUND_VENDOR_TIMEOUT,
        )
        if len(raw) > MAX_ANSWER_BYTES:
            raise _bad_answer("is larger than 1 MB")
        try:
            answer = json.loads(raw)
        except ValueError:
            # Not JSON at all (a proxy's error page, a cut answer): asking again with the
            # same idempotency key is free and safe, so this one is worth a retry.
            raise ProviderError(
                f"The vendor answered {status} with a body that is not JSON.",
                code="vendor_bad_answer",
                temporary=True,
            ) from None
        return vendor_answer_result(answer, raw=raw)


# -- the vendor's webhook ----------------------------------------------------------------


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 with the shared secret over ``<timestamp>.<body>``."""
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _webhook_verify(*, body: bytes, timestamp: str, signature: str) -> None:
    secret = settings.BACKGROUND_VENDOR_WEBHOOK_SECRET
    expected = webhook_signature(secret=secret, timestamp=timestamp, body=body)
    # Without a secret anybody could sign: nothing is accepted then.
    if not secret or not hmac.compare_digest(expected.encode(), signature.encode()):
        raise DomainError(
            _("The signature is missing or wrong."), code="bad_signature", status_code=401
        )
    try:
        age = abs(time.time() - int(timestamp))
    except ValueError:
        age = None
    if age is None or age > WEBHOOK_MAX_AGE_SECONDS:
        raise DomainError(
            _("The timestamp is more than 5 minutes away from now."),
            code="stale_timestamp",
            status_code=401,
        )


def vendor_webhook_receive(*, body: bytes, timestamp: str, signature: str) -> Check:
    """The vendor's late answer: verify the signature and the timestamp, find the waiting
    check by the vendor's reference, record the answer (audited by the check service).

    Raises DomainError: 401 bad signature or stale timestamp, 400 an answer outside the
    contract, 404 an unknown reference, 409 (ConflictError) a check not waiting.
    """
    _webhook_verify(body=body, timestamp=timestamp, signature=signature)
    try:
        result = vendor_answer_result(json.loads(body), raw=body)
    except (ValueError, ProviderError) as error:
        raise DomainError(
            _("The body is not a background check answer."), code="bad_request"
        ) from error
    if result.is_waiting or not result.vendor_reference:
        raise DomainError(
            _("A webhook brings a final answer and its reference."), code="bad_request"
        )
    check = (
        Check.objects.filter(kind=CheckKind.BACKGROUND, vendor_reference=result.vendor_reference)
        .order_by("-requested_at")
        .first()
    )
    if check is None:
        # The reference is the vendor's opaque id, not personal data.
        logger.warning(
            "Background webhook for an unknown reference %r", result.vendor_reference[:40]
        )
        raise DomainError(
            _("No check has this reference."), code="unknown_reference", status_code=404
        )
    return check_answer(check=check, result=result)
