"""Information confirmation: the customer confirms (or corrects) what we collected.

After submission, ``confirmation_issue`` writes a :class:`Confirmation` and one outbox
message per channel (e-mail when the customer gave an address, SMS to the mobile — the
authorised contact's for an enterprise) in the registration's own transaction. The outbox
sends them after commit, at most once each (kyc_portal.messaging.outbox).

A message carries a masked summary, a signed link and a 6-digit code; both expire after
``KYC_CONFIRMATION_HOURS`` and work once. Only keyed digests of the code and of the link's
nonce are kept for checking; the plain values wait encrypted for the sending task and are
erased once every channel has been tried. A newer message (sent again on request, or after
a correction) replaces the older one: its link and code stop working.
"""

from __future__ import annotations

import datetime
import hmac
import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kyc_portal.audit.services import audit_record
from kyc_portal.core.errors import ConflictError, DomainError
from kyc_portal.crypto.masking import (
    mask_address,
    mask_date,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
)
from kyc_portal.messaging.email import email_send
from kyc_portal.messaging.models import FINISHED_STATUSES, OutboxMessage, OutboxStatus
from kyc_portal.messaging.outbox import SkipDelivery, outbox_enqueue, register_outbox_handler
from kyc_portal.messaging.sms import send_sms
from verification.enums import CaseState
from verification.models import Case
from verification.workflow import case_transition

from .enums import CustomerKind
from .models import (
    Confirmation,
    ConfirmationDelivery,
    ConfirmationReason,
    ConfirmationState,
    Customer,
)

LINK_SALT = "customers.confirmation.link"
CODE_DIGITS = 6
EMAIL_KIND = "confirmation.email"
SMS_KIND = "confirmation.sms"


# -- errors ------------------------------------------------------------------------------


class ConfirmationError(DomainError):
    """A link or code that cannot be used. ``confirmation`` is set when we know which
    message it was (the signature was good), so the page can offer to send a new one."""

    def __init__(self, message, *, code: str, confirmation: Confirmation | None = None, **kwargs):
        super().__init__(message, code=code, **kwargs)
        self.confirmation = confirmation


class ResendRateLimitedError(DomainError):
    status_code = 429

    def __init__(self, message, *, retry_after: int) -> None:
        super().__init__(message, code="resend_rate_limited")
        self.retry_after = retry_after


def _link_altered() -> ConfirmationError:
    return ConfirmationError(
        _(
            "This confirmation link is not valid: it may have been changed or cut off when it "
            "was copied. Open the link exactly as we sent it, or ask for a new message."
        ),
        code="link_altered",
    )


def _unusable(confirmation: Confirmation, *, by_code: bool = False) -> ConfirmationError | None:
    """Why this message can no longer confirm anything, or None when it can."""
    if confirmation.state == ConfirmationState.CONFIRMED or (
        confirmation.case.state != CaseState.AWAITING_CONFIRMATION
        and confirmation.case.confirmed_at is not None
    ):
        return ConfirmationError(
            _("Your details are already confirmed: this link or code has been used."),
            code="link_used",
            confirmation=confirmation,
            status_code=409,
        )
    if confirmation.case.state != CaseState.AWAITING_CONFIRMATION:
        return ConfirmationError(
            _("This application no longer waits for a confirmation (it is “%(state)s”).")
            % {"state": confirmation.case.get_state_display()},
            code="not_awaiting_confirmation",
            confirmation=confirmation,
            status_code=409,
        )
    if confirmation.state == ConfirmationState.SUPERSEDED:
        return ConfirmationError(
            _(
                "We have sent you a newer confirmation message since this one: use the latest "
                "message, or ask for a new one."
            ),
            code="link_superseded",
            confirmation=confirmation,
            status_code=409,
        )
    if confirmation.is_expired:
        return ConfirmationError(
            _("This confirmation code has expired. Ask for a new message.")
            if by_code
            else _("This confirmation link has expired. Ask for a new message."),
            code="code_expired" if by_code else "link_expired",
            confirmation=confirmation,
            status_code=410,
        )
    return None


# -- secrets -----------------------------------------------------------------------------


def _digest(purpose: str, confirmation_id, value: str) -> str:
    # Bound to the confirmation: a digest copied to another row matches nothing.
    return salted_hmac(
        f"customers.confirmation.{purpose}", f"{confirmation_id}:{value}", algorithm="sha256"
    ).hexdigest()


def _matches(purpose: str, confirmation: Confirmation, value: str) -> bool:
    expected = getattr(confirmation, f"{purpose}_digest")
    return hmac.compare_digest(expected, _digest(purpose, confirmation.pk, value))


def confirmation_link_token(*, confirmation_id, nonce: str) -> str:
    return signing.dumps({"c": str(confirmation_id), "n": nonce}, salt=LINK_SALT)


def confirmation_page_url(*, token: str, page: str) -> str:
    """The link to ``page`` with a signed token: the confirmation itself, or (for a customer
    entered in a store) ``customers:confirmation_set_login`` where they choose their login."""
    path = reverse(page, kwargs={"token": token})
    return f"{settings.PORTAL_BASE_URL}{path}"


# -- what the message says ---------------------------------------------------------------


def customer_contacts(customer: Customer) -> tuple[str, str]:
    """(e-mail, mobile) the message goes to: the authorised contact's for an enterprise."""
    if customer.kind == CustomerKind.ENTERPRISE:
        enterprise = customer.enterprise
        return enterprise.contact_email or "", enterprise.contact_mobile or ""
    individual = customer.individual
    return individual.email or "", individual.mobile or ""


def confirmation_summary(customer: Customer) -> list[tuple[str, str]]:
    """What we collected, masked, as (label, value) pairs in the active language."""
    if customer.kind == CustomerKind.ENTERPRISE:
        enterprise = customer.enterprise
        representative = enterprise.legal_representative
        rows = [
            # The registered name of a company is public; the people's names are not.
            (_("Enterprise"), enterprise.legal_name),
            (_("Unified social credit code"), mask_id_number(enterprise.credit_code)),
            (_("Legal representative"), mask_name(representative.full_name)),
            (
                _("Representative's document"),
                f"{representative.get_document_type_display()} "
                f"{mask_id_number(representative.document_number)}",
            ),
            (
                _("Beneficial owners"),
                str(enterprise.beneficial_owners.count()),
            ),
            (_("Authorised contact"), mask_name(enterprise.contact_name)),
            (_("Contact's mobile phone"), mask_phone(enterprise.contact_mobile)),
            (_("Contact's e-mail"), mask_email(enterprise.contact_email)),
            (_("Registered address"), mask_address(enterprise.full_address)),
        ]
    else:
        individual = customer.individual
        rows = [
            (_("Full name"), mask_name(individual.full_name)),
            (
                _("Identity document"),
                f"{individual.get_document_type_display()} "
                f"{mask_id_number(individual.document_number)}",
            ),
            (_("Date of birth"), mask_date(individual.birth_date)),
            (_("Mobile phone"), mask_phone(individual.mobile)),
            (_("E-mail"), mask_email(individual.email)),
            (_("Address"), mask_address(individual.full_address)),
        ]
    return [(str(label), value) for label, value in rows if value]


def _message_context(confirmation: Confirmation, *, code: str, nonce: str) -> dict:
    customer = confirmation.case.customer
    token = confirmation_link_token(confirmation_id=confirmation.pk, nonce=nonce)
    if customer.kind == CustomerKind.ENTERPRISE:
        holder = customer.enterprise.legal_name
        holder_document = mask_id_number(customer.enterprise.credit_code)
    else:
        holder = mask_name(customer.individual.full_name)
        holder_document = mask_id_number(customer.individual.document_number)
    return {
        "customer": customer,
        "holder": holder,
        "holder_document": holder_document,
        "summary": confirmation_summary(customer),
        "code": code,
        "link": confirmation_page_url(token=token, page="customers:confirmation_link"),
        "expires_at": confirmation.expires_at,
        "hours": settings.KYC_CONFIRMATION_HOURS,
        "is_enterprise": customer.kind == CustomerKind.ENTERPRISE,
        # The same token in both links (a signature made a second later would differ).
        "login_link": confirmation_page_url(token=token, page="customers:confirmation_set_login")
        if customer.user_id is None
        else "",
    }


def confirmation_sms_text(confirmation: Confirmation, *, code: str, nonce: str) -> str:
    customer = confirmation.case.customer
    with translation.override(customer.language):
        context = _message_context(confirmation, code=code, nonce=nonce)
        text = render_to_string("messaging/confirmation_sms.txt", context)
    return " ".join(text.split())


# -- issuing -----------------------------------------------------------------------------


def confirmation_issue(*, case: Case, reason: str, actor=None) -> Confirmation:
    """Write a new confirmation message for ``case`` and queue it, in the caller's
    transaction. Older messages of the case stop working."""
    customer = case.customer
    email, mobile = customer_contacts(customer)
    now = timezone.now()
    Confirmation.objects.filter(case=case, state=ConfirmationState.ACTIVE).update(
        state=ConfirmationState.SUPERSEDED, secrets=""
    )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    nonce = secrets.token_urlsafe(12)
    confirmation = Confirmation(
        case=case,
        reason=reason,
        by_email=bool(email),
        by_sms=bool(mobile),
        expires_at=now + datetime.timedelta(hours=settings.KYC_CONFIRMATION_HOURS),
        created_at=now,
        requested_by=actor if actor is not None and actor.is_authenticated else None,
    )
    confirmation.code_digest = _digest("code", confirmation.pk, code)
    confirmation.nonce_digest = _digest("nonce", confirmation.pk, nonce)
    confirmation.secrets = f"{code}:{nonce}"
    if not (email or mobile):
        confirmation.delivery = ConfirmationDelivery.NOT_DELIVERED
        confirmation.secrets = ""
    confirmation.save()
    reference = f"confirmation:{confirmation.pk}"
    payload = {"confirmation_id": str(confirmation.pk)}
    if email:
        outbox_enqueue(kind=EMAIL_KIND, reference=reference, payload=payload)
    if mobile:
        outbox_enqueue(kind=SMS_KIND, reference=reference, payload=payload)
    return confirmation


def _deliverable(message: OutboxMessage) -> tuple[Confirmation, str, str]:
    confirmation = (
        Confirmation.objects.select_related("case__customer")
        .filter(pk=message.payload.get("confirmation_id"))
        .first()
    )
    if confirmation is None or confirmation.state != ConfirmationState.ACTIVE:
        raise SkipDelivery
    if confirmation.is_expired or not confirmation.secrets:
        raise SkipDelivery
    code, nonce = confirmation.secrets.split(":", 1)
    return confirmation, code, nonce


def _deliver_email(message: OutboxMessage) -> None:
    confirmation, code, nonce = _deliverable(message)
    customer = confirmation.case.customer
    email, _mobile = customer_contacts(customer)
    if not email:
        raise SkipDelivery
    with translation.override(customer.language):
        context = _message_context(confirmation, code=code, nonce=nonce)
    email_send(
        to=email,
        template="messaging/confirmation_email",
        context=context,
        language=customer.language,
        idempotency_key=message.idempotency_key,
    )


def _deliver_sms(message: OutboxMessage) -> None:
    confirmation, code, nonce = _deliverable(message)
    _email, mobile = customer_contacts(confirmation.case.customer)
    if not mobile:
        raise SkipDelivery
    send_sms(
        to=mobile,
        text=confirmation_sms_text(confirmation, code=code, nonce=nonce),
        idempotency_key=message.idempotency_key,
    )


def _channel_finished(message: OutboxMessage) -> None:
    """A channel is done (sent, failed or cancelled): update what staff see."""
    confirmation = (
        Confirmation.objects.select_for_update()
        .filter(pk=message.payload.get("confirmation_id"))
        .first()
    )
    if confirmation is None:
        return
    statuses = list(
        OutboxMessage.objects.filter(reference=message.reference).values_list("status", flat=True)
    )
    if OutboxStatus.SENT in statuses:
        confirmation.delivery = ConfirmationDelivery.DELIVERED
    elif all(status in FINISHED_STATUSES for status in statuses) and (
        OutboxStatus.FAILED in statuses
    ):
        confirmation.delivery = ConfirmationDelivery.NOT_DELIVERED
    if all(status in FINISHED_STATUSES for status in statuses):
        confirmation.secrets = ""  # nothing left to send: the plain code goes
    confirmation.save(update_fields=["delivery", "secrets"])


register_outbox_handler(EMAIL_KIND, deliver=_deliver_email, finished=_channel_finished)
register_outbox_handler(SMS_KIND, deliver=_deliver_sms, finished=_channel_finished)


# -- the customer's answer ---------------------------------------------------------------


def confirmation_from_token(*, token: str, usable: bool = True) -> Confirmation:
    """The confirmation a link points to; raises ConfirmationError saying what is wrong.

    With ``usable=False`` only the signature is checked (to offer a new message for an
    expired or replaced link).
    """
    try:
        data = signing.loads(token, salt=LINK_SALT)
        confirmation_id = uuid.UUID(str(data["c"]))
        nonce = str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise _link_altered() from None
    confirmation = (
        Confirmation.objects.select_related("case__customer").filter(pk=confirmation_id).first()
    )
    if confirmation is None or not _matches("nonce", confirmation, nonce):
        raise _link_altered()
    if usable:
        problem = _unusable(confirmation)
        if problem is not None:
            raise problem
    return confirmation


def confirmation_current(*, case: Case) -> Confirmation | None:
    """The newest confirmation message of the case (whatever its state)."""
    return Confirmation.objects.filter(case=case).order_by("-created_at").first()


def confirmation_confirm(
    *,
    case: Case,
    code: str | None = None,
    token: str | None = None,
    actor=None,
    request: HttpRequest | None = None,
) -> Case:
    """The customer confirms the details of ``case`` with the link's token or the code.

    Raises ConfirmationError: link_altered, link_used, link_superseded, link_expired,
    code_expired, code_wrong, code_locked, no_confirmation, not_awaiting_confirmation.
    """
    if (code is None) == (token is None):
        raise ValueError("Confirm with either a code or a link token.")
    if token is not None:
        confirmation_id = confirmation_from_token(token=token, usable=False).pk
    else:
        current = confirmation_current(case=case)
        if current is None:
            raise ConfirmationError(
                _("We have not sent you a confirmation message yet."), code="no_confirmation"
            )
        confirmation_id = current.pk
    wrong_code: ConfirmationError | None = None
    with transaction.atomic():
        confirmation = (
            Confirmation.objects.select_for_update()
            .select_related("case__customer")
            .get(pk=confirmation_id)
        )
        if confirmation.case_id != case.pk:
            raise _link_altered()
        problem = _unusable(confirmation, by_code=code is not None)
        if problem is not None:
            raise problem
        if code is not None:
            wrong_code = _check_code(confirmation, code)
        if wrong_code is None:
            confirmation.state = ConfirmationState.CONFIRMED
            confirmation.used_at = timezone.now()
            confirmation.secrets = ""
            confirmation.save(update_fields=["state", "used_at", "secrets"])
            case = case_transition(
                case_id=case.pk,
                transition="confirm",
                actor=actor,
                request=request,
                expected_state=CaseState.AWAITING_CONFIRMATION,
            )
            audit_record(
                action="customer.confirmed",
                actor=actor,
                request=request,
                target=case,
                details={"method": "code" if code is not None else "link"},
            )
    # Raised after the transaction, so that the wrong attempt stays counted.
    if wrong_code is not None:
        raise wrong_code
    return case


def _check_code(confirmation: Confirmation, code: str) -> ConfirmationError | None:
    """None when ``code`` is right; otherwise counts the attempt and says what is wrong."""
    limit = settings.KYC_CONFIRMATION_CODE_ATTEMPTS
    if confirmation.code_attempts >= limit:
        raise ConfirmationError(
            _(
                "This code no longer works: it was entered wrongly too many times. "
                "Ask for a new message."
            ),
            code="code_locked",
            confirmation=confirmation,
            status_code=429,
        )
    entered = "".join(str(code).split())
    well_formed = entered.isdigit() and len(entered) == CODE_DIGITS
    if well_formed and _matches("code", confirmation, entered):
        return None
    confirmation.code_attempts += 1
    confirmation.save(update_fields=["code_attempts"])
    left = limit - confirmation.code_attempts
    if left <= 0:
        message = _(
            "This code is wrong, and it was the last try: the code no longer works. "
            "Ask for a new message."
        )
        error_code = "code_locked"
    else:
        message = ngettext(
            "This code is wrong. You can try %(left)d more time.",
            "This code is wrong. You can try %(left)d more times.",
            left,
        ) % {"left": left}
        error_code = "code_wrong"
    return ConfirmationError(message, code=error_code, confirmation=confirmation, field="code")


def confirmation_resend(
    *, case: Case, actor=None, request: HttpRequest | None = None
) -> Confirmation:
    """Send a new confirmation message (the older one stops working), rate-limited:
    not within ``KYC_CONFIRMATION_RESEND_SECONDS`` of the last message, and not more than
    ``KYC_CONFIRMATION_MESSAGES_PER_DAY`` messages a day for one case."""
    with transaction.atomic():
        # Locking the case makes two simultaneous requests count one after the other.
        case = Case.objects.select_for_update().select_related("customer").get(pk=case.pk)
        if case.state != CaseState.AWAITING_CONFIRMATION:
            raise ConflictError(
                _("This application no longer waits for a confirmation."),
                code="not_awaiting_confirmation",
            )
        now = timezone.now()
        recent = Confirmation.objects.filter(
            case=case, created_at__gt=now - datetime.timedelta(days=1)
        )
        latest = recent.order_by("-created_at").values_list("created_at", flat=True).first()
        pause = settings.KYC_CONFIRMATION_RESEND_SECONDS
        if latest is not None and (now - latest).total_seconds() < pause:
            wait = max(1, int(pause - (now - latest).total_seconds() + 0.999))
            raise ResendRateLimitedError(
                ngettext(
                    "We have just sent you a message. You can ask again in %(seconds)d second.",
                    "We have just sent you a message. You can ask again in %(seconds)d seconds.",
                    wait,
                )
                % {"seconds": wait},
                retry_after=wait,
            )
        if recent.count() >= settings.KYC_CONFIRMATION_MESSAGES_PER_DAY:
            oldest = recent.order_by("created_at").values_list("created_at", flat=True).first()
            wait = max(1, int((oldest + datetime.timedelta(days=1) - now).total_seconds()))
            raise ResendRateLimitedError(
                _(
                    "We have sent you the most messages we can in one day. Use the latest "
                    "message, or ask again tomorrow."
                ),
                retry_after=wait,
            )
        confirmation = confirmation_issue(case=case, reason=ConfirmationReason.RESENT, actor=actor)
        audit_record(
            action="customer.confirmation_resent",
            actor=actor,
            request=request,
            target=case,
            details={"channels": _channel_names(confirmation)},
        )
    return confirmation


def _channel_names(confirmation: Confirmation) -> list[str]:
    channels = (("email", confirmation.by_email), ("sms", confirmation.by_sms))
    return [name for name, used in channels if used]


# -- reads -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfirmationStatus:
    """What staff (and the customer's status page) see about the confirmation message."""

    delivery: str
    delivery_label: str
    state: str
    sent_by_email: bool
    sent_by_sms: bool
    sent_at: datetime.datetime
    expires_at: datetime.datetime
    messages_sent: int

    @property
    def not_delivered(self) -> bool:
        return self.delivery == ConfirmationDelivery.NOT_DELIVERED


def confirmation_status_for(case: Case) -> ConfirmationStatus | None:
    """The latest confirmation message of ``case``: delivered, still being sent, or
    "confirmation not delivered" after the last attempt failed. None before any."""
    confirmations = list(
        Confirmation.objects.filter(case=case)
        .order_by("-created_at")
        .only("delivery", "state", "by_email", "by_sms", "created_at", "expires_at")
    )
    if not confirmations:
        return None
    latest = confirmations[0]
    return ConfirmationStatus(
        delivery=latest.delivery,
        delivery_label=str(latest.get_delivery_display()),
        state=latest.state,
        sent_by_email=latest.by_email,
        sent_by_sms=latest.by_sms,
        sent_at=latest.created_at,
        expires_at=latest.expires_at,
        messages_sent=len(confirmations),
    )


def confirmation_destinations(customer: Customer) -> dict[str, str]:
    """Where messages go, masked, for telling the customer ("sent to 139****0001")."""
    email, mobile = customer_contacts(customer)
    return {"email": mask_email(email), "mobile": mask_phone(mobile)}
