"""SMS backends: the console never logs a number, the file plays the phone, and the HTTP
gateway adapter maps every kind of answer (tested against a local fake gateway)."""

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kyc_portal.messaging.sms import (
    ConsoleSmsBackend,
    FileSmsBackend,
    HttpSmsBackend,
    SmsRejectedError,
    SmsTemporaryError,
    send_sms,
)

NUMBER = "+8613912345678"


def test_console_backend_logs_the_message_with_the_number_masked(caplog):
    with caplog.at_level(logging.INFO, logger="kyc_portal.messaging.sms"):
        ConsoleSmsBackend().send(to=NUMBER, text="你好 code 123456", idempotency_key="key-1")
    assert "139****5678" in caplog.text
    assert "13912345678" not in caplog.text
    assert "key-1" in caplog.text


def test_file_backend_appends_one_json_line_per_message(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path
    send_sms(to=NUMBER, text="第一条", idempotency_key="a")
    send_sms(to=NUMBER, text="second", idempotency_key="b")
    [day_file] = list(tmp_path.iterdir())
    assert day_file.suffix == ".jsonl"
    lines = [json.loads(line) for line in day_file.read_text().splitlines()]
    assert [(line["to"], line["text"], line["idempotency_key"]) for line in lines] == [
        (NUMBER, "第一条", "a"),
        (NUMBER, "second", "b"),
    ]
    assert FileSmsBackend(tmp_path).path_for(time_now()) == day_file


def time_now():
    from django.utils import timezone

    return timezone.now()


# -- the HTTP gateway adapter against a fake gateway ---------------------------------------


@dataclass
class FakeGateway:
    """What the fake gateway answers next, and what it received."""

    status: int = 200
    body: bytes = b'{"id": "gw-1"}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    requests: list[dict] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    fake = FakeGateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            fake.requests.append(
                {"headers": dict(self.headers), "body": json.loads(self.rfile.read(length))}
            )
            if fake.delay:
                time.sleep(fake.delay)
            try:
                self.send_response(fake.status)
                for name, value in fake.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(fake.body)))
                self.end_headers()
                self.wfile.write(fake.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the time-out test)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/send"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def backend(gateway: FakeGateway, *, timeout: float = 2.0) -> HttpSmsBackend:
    return HttpSmsBackend(url=gateway.url, api_key="secret-key", timeout=timeout)


def test_gateway_receives_number_text_key_and_idempotency_key(gateway):
    receipt = backend(gateway).send(to=NUMBER, text="验证码 123456", idempotency_key="outbox-1")

    assert receipt.provider_id == "gw-1"
    [request] = gateway.requests
    assert request["headers"]["Authorization"] == "Bearer secret-key"
    assert request["headers"]["Idempotency-Key"] == "outbox-1"
    assert request["body"]["to"] == NUMBER
    assert request["body"]["text"] == "验证码 123456"


def test_a_gateway_that_does_not_answer_in_time_is_a_temporary_failure(gateway):
    gateway.delay = 1.0
    started = time.monotonic()
    with pytest.raises(SmsTemporaryError) as raised:
        backend(gateway, timeout=0.2).send(to=NUMBER, text="x", idempotency_key="k")
    assert raised.value.code == "sms_timeout"
    assert time.monotonic() - started < 0.9
    assert NUMBER not in str(raised.value)


def test_a_server_error_is_a_temporary_failure(gateway):
    gateway.status, gateway.body = 500, b'{"error": "boom"}'
    with pytest.raises(SmsTemporaryError) as raised:
        backend(gateway).send(to=NUMBER, text="x", idempotency_key="k")
    assert raised.value.code == "sms_gateway_error"
    assert "500" in str(raised.value)


def test_too_many_requests_is_temporary_and_honours_retry_after(gateway):
    gateway.status, gateway.headers = 429, {"Retry-After": "42"}
    with pytest.raises(SmsTemporaryError) as raised:
        backend(gateway).send(to=NUMBER, text="x", idempotency_key="k")
    assert raised.value.code == "sms_rate_limited"
    assert raised.value.retry_after == 42


def test_a_refused_request_is_permanent(gateway):
    gateway.status, gateway.body = 400, b'{"error": "invalid number 13912345678"}'
    with pytest.raises(SmsRejectedError) as raised:
        backend(gateway).send(to=NUMBER, text="x", idempotency_key="k")
    assert raised.value.code == "sms_rejected"
    # The gateway's answer may repeat the number: it is not copied into our error.
    assert "13912345678" not in str(raised.value)


def test_an_answer_that_is_not_json_is_a_temporary_failure_with_a_clear_message(gateway):
    gateway.body = b"<html>proxy error</html>"
    with pytest.raises(SmsTemporaryError) as raised:
        backend(gateway).send(to=NUMBER, text="x", idempotency_key="k")
    assert raised.value.code == "sms_malformed_answer"
    assert "not a JSON object" in str(raised.value)


def test_a_gateway_that_cannot_be_reached_is_a_temporary_failure():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SmsTemporaryError) as raised:
        HttpSmsBackend(url=f"http://127.0.0.1:{port}/", api_key="k", timeout=1).send(
            to=NUMBER, text="x", idempotency_key="k"
        )
    assert raised.value.code == "sms_unreachable"


def test_only_http_addresses_are_accepted():
    with pytest.raises(ValueError):
        HttpSmsBackend(url="file:///etc/passwd", api_key="k", timeout=1)
