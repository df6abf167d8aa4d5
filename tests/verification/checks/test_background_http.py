"""The background vendor adapter against a fake vendor the tests start on 127.0.0.1: its
answers, its failures (time-out, 500, 429, malformed JSON, wrong content), the idempotency
key, and the signed webhook that brings a late answer."""

import hashlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from kyc_portal.audit.models import AuditEntry
from risk.enums import RiskLevel
from tests.factories.customers import resident_id
from tests.factories.verification import case_in_review
from verification.checks.base import CheckRequest, ProviderError, ProviderTimeout
from verification.checks.providers.background_http import HttpVendorProvider, webhook_signature
from verification.checks.services import check_run
from verification.enums import CheckKind, CheckOutcome, CheckStatus
from verification.models import Check

pytestmark = pytest.mark.django_db

SECRET = "webhook-secret-for-tests"
API_KEY = "vendor-api-key-for-tests"
SCRIPTED = "tests.verification.checks.scripted.ScriptedProvider"
HTTP_VENDOR = "verification.checks.providers.background_http.HttpVendorProvider"


@dataclass
class Reply:
    status: int = 200
    body: bytes | dict = field(default_factory=lambda: {"status": "completed", "result": "clear"})
    delay: float = 0.0
    content_type: str = "application/json"


@dataclass
class FakeVendor:
    url: str
    replies: deque = field(default_factory=deque)
    requests: list = field(default_factory=list)  # (headers, parsed body)


def _handler(vendor: FakeVendor):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            vendor.requests.append((dict(self.headers), json.loads(body)))
            reply = vendor.replies.popleft() if vendor.replies else Reply()
            time.sleep(reply.delay)
            content = reply.body
            if isinstance(content, dict):
                content = json.dumps(content).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the time-out test)

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def vendor(settings):
    """A fake vendor on a free local port; the adapter is the configured provider."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)
    fake = FakeVendor(url=f"http://127.0.0.1:{server.server_address[1]}/v1/checks")
    server.RequestHandlerClass = _handler(fake)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    settings.BACKGROUND_VENDOR_URL = fake.url
    settings.BACKGROUND_VENDOR_API_KEY = API_KEY
    settings.BACKGROUND_VENDOR_WEBHOOK_SECRET = SECRET
    settings.BACKGROUND_VENDOR_TIMEOUT = 0.5
    settings.KYC_CHECK_ATTEMPTS = 3
    # What CHECK_BACKGROUND_PROVIDER=http_vendor configures; other kinds are not under test.
    settings.KYC_CHECK_PROVIDERS = {
        **{kind: SCRIPTED for kind in CheckKind.values},
        CheckKind.BACKGROUND: HTTP_VENDOR,
    }
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def enterprise_case(vendor):
    return case_in_review(enterprise=True, risk_level=RiskLevel.MEDIUM)


def _ask(case, key="case-key:background:1"):
    return HttpVendorProvider().run(CheckRequest(check_id=None, case=case, idempotency_key=key))


def _background(case) -> Check:
    return Check.objects.get(case=case, kind=CheckKind.BACKGROUND, superseded=False)


def _run_all_attempts(check: Check) -> Check:
    outcome = check_run(check_id=check.pk)
    while outcome.retry_in is not None:
        outcome = check_run(check_id=check.pk)
    return Check.objects.get(pk=check.pk)


# -- the request -----------------------------------------------------------------------


def test_the_request_carries_key_idempotency_key_and_the_people(vendor, enterprise_case):
    _ask(enterprise_case, key="the-key")

    [(headers, body)] = vendor.requests
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert headers["Idempotency-Key"] == "the-key"
    enterprise = enterprise_case.customer.enterprise
    assert body["subject"] == {
        "type": "enterprise",
        "name": enterprise.legal_name,
        "id_type": "credit_code",
        "id_number": enterprise.credit_code,
    }
    roles = [person["roles"] for person in body["related_people"]]
    assert ["legal_representative"] in roles and ["beneficial_owner"] in roles


def test_an_individual_is_sent_with_their_document(vendor):
    number = resident_id()
    case = case_in_review(document_number=number)
    _ask(case)
    [(_headers, body)] = vendor.requests
    assert body["subject"]["id_number"] == number and body["related_people"] == []


# -- the vendor's answers --------------------------------------------------------------


def test_clear_passes(vendor, enterprise_case):
    result = _ask(enterprise_case)
    assert result.outcome == CheckOutcome.PASS and result.summary == "no_record"


def test_a_hit_fails_with_record_types_and_sources_but_no_names(vendor, enterprise_case):
    records = [
        {"record_type": "court_judgement", "source": "某市法院", "name": "张三", "detail": "x"},
        {"record_type": "tax_blacklist", "source": "税务局", "name": "张三"},
    ]
    answer = {"status": "completed", "reference": "v-9", "result": "hit", "records": records}
    vendor.replies.append(Reply(body=answer))

    result = _ask(enterprise_case)

    assert result.outcome == CheckOutcome.FAIL and result.summary == "record_found"
    assert result.params == {
        "count": 2,
        "record_types": ["court_judgement", "tax_blacklist"],
        "sources": ["某市法院", "税务局"],
    }
    assert result.findings == {"vendor_records": records}
    assert result.response_sha256 == hashlib.sha256(json.dumps(answer).encode()).hexdigest()


def test_a_possible_match_goes_to_a_reviewer(vendor, enterprise_case):
    vendor.replies.append(
        Reply(body={"status": "completed", "result": "possible", "score": 0.82, "records": []})
    )
    result = _ask(enterprise_case)
    assert result.outcome == CheckOutcome.REVIEW and result.summary == "possible_match"
    assert result.score == 0.82 and result.params["score"] == 0.82


def test_an_accepted_request_waits_for_the_webhook(vendor, enterprise_case):
    vendor.replies.append(Reply(status=202, body={"status": "accepted", "reference": "v-1"}))
    result = _ask(enterprise_case)
    assert result.is_waiting and result.vendor_reference == "v-1"


# -- failures --------------------------------------------------------------------------


def test_a_vendor_slower_than_the_timeout_times_out(vendor, enterprise_case):
    vendor.replies.append(Reply(delay=1.5))
    started = time.monotonic()
    with pytest.raises(ProviderTimeout):
        _ask(enterprise_case)
    assert time.monotonic() - started < 1.4


@pytest.mark.parametrize(
    ("status", "code", "temporary"),
    [
        (500, "vendor_error", True),
        (503, "vendor_error", True),
        (429, "vendor_rate_limited", True),
        (400, "vendor_refused", False),
        (401, "vendor_refused", False),
    ],
)
def test_http_errors_are_mapped(vendor, enterprise_case, status, code, temporary):
    vendor.replies.append(Reply(status=status, body={"error": "whatever"}))
    with pytest.raises(ProviderError) as error:
        _ask(enterprise_case)
    assert (error.value.code, error.value.temporary) == (code, temporary)


def test_malformed_json_is_worth_another_attempt(vendor, enterprise_case):
    vendor.replies.append(Reply(body=b'{"status": "compl', content_type="application/json"))
    with pytest.raises(ProviderError) as error:
        _ask(enterprise_case)
    assert error.value.code == "vendor_bad_answer" and error.value.temporary


@pytest.mark.parametrize(
    "answer",
    [
        ["clear"],
        {"status": "completed"},
        {"status": "completed", "result": "maybe"},
        {"status": "accepted"},
        {"status": "completed", "result": "hit", "records": "many"},
        {"status": "completed", "result": "possible", "score": 87},
        {"result": "clear"},
    ],
)
def test_json_outside_the_contract_fails_for_good(vendor, enterprise_case, answer):
    vendor.replies.append(Reply(body=json.dumps(answer).encode()))
    with pytest.raises(ProviderError) as error:
        _ask(enterprise_case)
    assert error.value.code == "vendor_bad_answer" and not error.value.temporary


def test_a_vendor_that_is_down_is_worth_another_attempt(vendor, enterprise_case, settings):
    settings.BACKGROUND_VENDOR_URL = "http://127.0.0.1:9/v1/checks"  # discard port: refused
    with pytest.raises(ProviderError) as error:
        _ask(enterprise_case)
    assert error.value.code == "vendor_unreachable" and error.value.temporary


@pytest.mark.parametrize(
    "url", ["http://vendor.example.com/checks", "ftp://127.0.0.1/checks", "http://localhost:1/"]
)
def test_only_https_is_used_outside_the_tests(vendor, enterprise_case, settings, url):
    settings.BACKGROUND_VENDOR_URL = url
    with pytest.raises(ProviderError) as error:
        _ask(enterprise_case)
    assert error.value.code == "vendor_misconfigured"
    assert vendor.requests == []


def test_errors_never_log_the_names_or_numbers_sent(vendor, enterprise_case, caplog):
    vendor.replies.extend([Reply(status=500), Reply(status=500), Reply(status=500)])
    check = _run_all_attempts(_background(enterprise_case))

    assert check.status == CheckStatus.FAILED and check.summary == "vendor_error"
    enterprise = enterprise_case.customer.enterprise
    for secret in (enterprise.credit_code, enterprise.legal_representative.document_number):
        assert secret not in caplog.text and secret not in check.last_error


# -- through the check service: retries and the idempotency key -----------------------


def test_a_retried_call_sends_the_same_idempotency_key(vendor, enterprise_case):
    vendor.replies.extend([Reply(status=503), Reply(delay=1.5), Reply()])

    check = _run_all_attempts(_background(enterprise_case))

    assert check.status == CheckStatus.DONE and check.outcome == CheckOutcome.PASS
    assert check.attempts == 3
    keys = [headers["Idempotency-Key"] for headers, _body in vendor.requests]
    assert keys == [check.idempotency_key] * 3


def test_a_vendor_answering_garbage_ends_in_a_visible_failure(vendor, enterprise_case):
    vendor.replies.extend([Reply(body=b"<html>Bad gateway</html>", content_type="text/html")] * 3)

    check = _run_all_attempts(_background(enterprise_case))

    assert check.status == CheckStatus.FAILED and check.outcome == CheckOutcome.ERROR
    assert check.summary == "vendor_bad_answer" and check.attempts == 3


# -- the webhook -----------------------------------------------------------------------


@pytest.fixture
def waiting_check(vendor, enterprise_case):
    vendor.replies.append(Reply(status=202, body={"status": "accepted", "reference": "v-42"}))
    check = _run_all_attempts(_background(enterprise_case))
    assert check.status == CheckStatus.WAITING and check.vendor_reference == "v-42"
    return check


def _post_webhook(client, answer, *, secret=SECRET, timestamp=None, signature=None):
    body = json.dumps(answer).encode()
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    if signature is None:
        signature = webhook_signature(secret=secret, timestamp=timestamp, body=body)
    return client.post(
        reverse("verification:webhook-background"),
        data=body,
        content_type="application/json",
        headers={"X-Signature": signature, "X-Timestamp": timestamp},
    )


HIT = {
    "status": "completed",
    "reference": "v-42",
    "result": "hit",
    "records": [{"record_type": "credit_blacklist", "source": "征信中心"}],
}


def test_a_signed_webhook_finishes_the_waiting_check(client, waiting_check):
    response = _post_webhook(client, HIT)

    assert response.status_code == 200 and response.json() == {"status": "done"}
    check = Check.objects.get(pk=waiting_check.pk)
    assert check.outcome == CheckOutcome.FAIL and check.summary == "record_found"
    assert check.params["record_types"] == ["credit_blacklist"]
    assert AuditEntry.objects.filter(action="check.finished", target_id=str(check.case_id)).exists()


def test_a_webhook_reporting_the_vendors_failure_ends_the_check_in_error(client, waiting_check):
    response = _post_webhook(client, {"status": "failed", "reference": "v-42"})
    assert response.status_code == 200
    check = Check.objects.get(pk=waiting_check.pk)
    assert check.outcome == CheckOutcome.ERROR and check.summary == "vendor_failed"


@pytest.mark.parametrize(
    "tamper",
    [
        {"signature": "sha256=" + "0" * 64},
        {"signature": ""},
        {"secret": "another-secret"},
    ],
)
def test_a_webhook_with_a_bad_signature_changes_nothing(client, waiting_check, tamper):
    response = _post_webhook(client, HIT, **tamper)

    assert response.status_code == 401 and response.json() == {"error": "bad_signature"}
    assert Check.objects.get(pk=waiting_check.pk).status == CheckStatus.WAITING


def test_a_webhook_signed_over_another_timestamp_is_refused(client, waiting_check):
    body = json.dumps(HIT).encode()
    signature = webhook_signature(secret=SECRET, timestamp="1", body=body)
    response = _post_webhook(client, HIT, signature=signature)
    assert response.status_code == 401
    assert Check.objects.get(pk=waiting_check.pk).status == CheckStatus.WAITING


def test_a_stale_webhook_is_refused(client, waiting_check):
    response = _post_webhook(client, HIT, timestamp=str(int(time.time()) - 301))

    assert response.status_code == 401 and response.json() == {"error": "stale_timestamp"}
    assert Check.objects.get(pk=waiting_check.pk).status == CheckStatus.WAITING


def test_without_a_secret_no_webhook_is_accepted(client, waiting_check, settings):
    settings.BACKGROUND_VENDOR_WEBHOOK_SECRET = ""
    response = _post_webhook(client, HIT, secret="")
    assert response.status_code == 401
    assert Check.objects.get(pk=waiting_check.pk).status == CheckStatus.WAITING


def test_a_webhook_for_an_unknown_reference_is_404(client, waiting_check, caplog):
    response = _post_webhook(client, {**HIT, "reference": "v-unknown"})

    assert response.status_code == 404 and response.json() == {"error": "unknown_reference"}
    assert "v-unknown" in caplog.text
    assert Check.objects.get(pk=waiting_check.pk).status == CheckStatus.WAITING


def test_a_webhook_for_a_check_not_waiting_is_409(client, waiting_check):
    assert _post_webhook(client, HIT).status_code == 200

    again = _post_webhook(client, {**HIT, "result": "clear"})

    assert again.status_code == 409 and again.json() == {"error": "check_not_waiting"}
    assert Check.objects.get(pk=waiting_check.pk).outcome == CheckOutcome.FAIL


def test_a_signed_webhook_outside_the_contract_is_400(client, waiting_check):
    response = _post_webhook(client, {"status": "completed", "reference": "v-42"})
    assert response.status_code == 400
    assert Check.objects.get(pk=waiting_check.pk).status == CheckStatus.WAITING


def test_the_webhook_takes_only_post(client):
    assert client.get(reverse("verification:webhook-background")).status_code == 405


# -- end to end ------------------------------------------------------------------------


def test_accepted_then_webhook_end_to_end(
    vendor, client, celery_eager, django_capture_on_commit_callbacks
):
    vendor.replies.append(Reply(status=202, body={"status": "accepted", "reference": "v-42"}))

    with django_capture_on_commit_callbacks(execute=True):
        case = case_in_review(enterprise=True)
    check = _background(case)
    assert check.provider == "http_vendor" and check.status == CheckStatus.WAITING

    with django_capture_on_commit_callbacks(execute=True):
        assert _post_webhook(client, {**HIT, "result": "clear", "records": []}).status_code == 200

    check.refresh_from_db()
    assert check.status == CheckStatus.DONE and check.outcome == CheckOutcome.PASS
