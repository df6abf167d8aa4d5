"""Messages to the customer when their case is decided or needs something from them.

Written to the outbox in the workflow's transaction and sent after commit, so a message
exists exactly when the decision does, and a retried sending never sends twice.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from customers.confirmation import customer_contacts
from kyc_portal.messaging.email import email_send
from kyc_portal.messaging.models import OutboxMessage
from kyc_portal.messaging.outbox import SkipDelivery, outbox_enqueue, register_outbox_handler
from kyc_portal.messaging.sms import send_sms
from verification.models import Case

EMAIL_KIND = "case_notice.email"
SMS_KIND = "case_notice.sms"
EVENTS = frozenset({"registered", "information_requested", "rejected"})


def case_notify_customer(*, case: Case, event: str) -> None:
    """Queue the e-mail and text message telling the customer about ``event``."""
    if event not in EVENTS:
        raise ValueError(f"Unknown case notice {event!r}")
    email, mobile = customer_contacts(case.customer)
    # One reference for the e-mail and the text message of one event (at most 80 chars).
    reference = f"case:{case.pk.hex}:{event}:{int(case.updated_at.timestamp() * 1000)}"
    payload = {"case_id": str(case.pk), "event": event}
    if email:
        outbox_enqueue(kind=EMAIL_KIND, reference=reference, payload=payload)
    if mobile:
        outbox_enqueue(kind=SMS_KIND, reference=reference, payload=payload)


def _notice_context(message: OutboxMessage) -> tuple[Case, dict]:
    case = Case.objects.select_related("customer").filter(pk=message.payload.get("case_id")).first()
    if case is None:
        raise SkipDelivery
    request = case.information_requests.first()
    context = {
        "event": message.payload["event"],
        "customer": case.customer,
        "case": case,
        "information_request": request.message if request else "",
        "link": settings.PORTAL_BASE_URL + reverse("customers:status"),
    }
    return case, context


def _deliver_email(message: OutboxMessage) -> None:
    case, context = _notice_context(message)
    email, _mobile = customer_contacts(case.customer)
    if not email:
        raise SkipDelivery
    email_send(
        to=email,
        template=f"messaging/case_{context['event']}_email",
        context=context,
        language=case.customer.language,
        idempotency_key=message.idempotency_key,
    )


def _deliver_sms(message: OutboxMessage) -> None:
    case, context = _notice_context(message)
    _email, mobile = customer_contacts(case.customer)
    if not mobile:
        raise SkipDelivery
    with translation.override(case.customer.language):
        text = render_to_string("messaging/case_notice_sms.txt", context)
    send_sms(to=mobile, text=" ".join(text.split()), idempotency_key=message.idempotency_key)


register_outbox_handler(EMAIL_KIND, deliver=_deliver_email)
register_outbox_handler(SMS_KIND, deliver=_deliver_sms)
