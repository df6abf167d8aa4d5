"""E-mail: a text and an HTML part in the customer's language; carrier errors mapped."""

import smtplib

import pytest
from django.core import mail

from kyc_portal.messaging import email as email_module
from kyc_portal.messaging.email import email_send
from kyc_portal.messaging.errors import EmailRejectedError, EmailTemporaryError

CONTEXT = {
    "summary": [("Full name", "王**")],
    "code": "123456",
    "link": "https://kyc.example.com/confirm/abc/",
    "hours": 72,
    "is_enterprise": False,
}


@pytest.mark.parametrize(("language", "greeting"), [("en", "Hello,"), ("zh-hans", "您好：")])
def test_email_has_text_and_html_parts_in_the_customers_language(language, greeting):
    email_send(
        to="xiaoming@example.com",
        template="messaging/confirmation_email",
        context=CONTEXT,
        language=language,
        idempotency_key="outbox-1",
    )
    [message] = mail.outbox
    assert message.to == ["xiaoming@example.com"]
    assert greeting in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert 'href="https://kyc.example.com/confirm/abc/"' in html
    assert "123456" in message.body and "123456" in html
    assert message.extra_headers["Message-ID"].startswith("<outbox-1@")


class FailingMessage(mail.EmailMultiAlternatives):
    error: Exception

    def send(self, fail_silently=False):
        raise self.error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            smtplib.SMTPRecipientsRefused({"x@example.com": (550, b"no such user")}),
            EmailRejectedError,
        ),
        (smtplib.SMTPDataError(554, b"rejected"), EmailRejectedError),
        (smtplib.SMTPDataError(451, b"try later"), EmailTemporaryError),
        (smtplib.SMTPServerDisconnected("gone"), EmailTemporaryError),
        (TimeoutError("timed out"), EmailTemporaryError),
        (ConnectionRefusedError(111, "refused"), EmailTemporaryError),
    ],
)
def test_mail_server_errors_are_temporary_or_permanent(monkeypatch, error, expected):
    FailingMessage.error = error
    monkeypatch.setattr(email_module, "EmailMultiAlternatives", FailingMessage)
    with pytest.raises(expected) as raised:
        email_send(
            to="x@example.com",
            template="messaging/confirmation_email",
            context=CONTEXT,
            language="en",
            idempotency_key="k",
        )
    assert "x@example.com" not in str(raised.value)
