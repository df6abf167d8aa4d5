"""E-mail through Django's e-mail backends: a plain-text and an HTML part, in one language.

Templates come in three files: ``<name>_subject.txt``, ``<name>.txt`` and ``<name>.html``.
"""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.utils import translation

from .errors import EmailRejectedError, EmailTemporaryError


def email_render(
    *, template: str, context: Mapping[str, Any], language: str
) -> tuple[str, str, str]:
    """(subject, text, html) of ``template`` rendered in ``language``."""
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context)
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    # A header cannot span lines; templates end with a newline.
    return " ".join(subject.split()), text, html


def email_send(
    *,
    to: str,
    template: str,
    context: Mapping[str, Any],
    language: str,
    idempotency_key: str,
) -> None:
    """Send one e-mail; raise EmailTemporaryError or EmailRejectedError when it fails.

    The Message-ID is made from ``idempotency_key``, so that a mail server or a mail program
    that sees the same message twice can tell it is one message.
    """
    subject, text, html = email_render(template=template, context=context, language=language)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": f"<{idempotency_key}@{DNS_NAME}>"},
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused:
        raise EmailRejectedError(
            "the mail server refused the recipient", code="email_recipient_refused"
        ) from None
    except smtplib.SMTPResponseException as error:
        if 500 <= error.smtp_code < 600:
            raise EmailRejectedError(
                f"the mail server refused the message ({error.smtp_code})"
            ) from None
        raise EmailTemporaryError(f"the mail server failed ({error.smtp_code})") from None
    except (smtplib.SMTPException, OSError) as error:
        raise EmailTemporaryError(
            f"the mail server cannot be reached ({type(error).__name__})",
            code="email_unreachable",
        ) from None
