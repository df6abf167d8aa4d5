"""Information confirmation: the message after submission, its link and code, resending,
delivery failures, and correction before confirmation."""

import datetime
import json
import re
import socket
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from freezegun import freeze_time

from customers.confirmation import (
    ConfirmationError,
    ResendRateLimitedError,
    confirmation_confirm,
    confirmation_from_token,
    confirmation_link_token,
    confirmation_resend,
    confirmation_status_for,
)
from customers.enums import Channel
from customers.models import Confirmation, ConfirmationDelivery, ConfirmationState
from customers.services import (
    DuplicateIdentityError,
    customer_details_correct,
    enterprise_register,
    individual_register,
)
from kyc_portal.audit.models import AuditEntry
from kyc_portal.core.errors import DomainError
from kyc_portal.messaging import sms as sms_module
from kyc_portal.messaging.errors import SmsTemporaryError
from kyc_portal.messaging.models import OutboxMessage, OutboxStatus
from kyc_portal.messaging.outbox import MAX_ATTEMPTS, outbox_relay
from tests.factories.customers import enterprise_details, individual_details, resident_id
from verification.enums import CaseState

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English; the Chinese ones are tested with the pages."""
    with translation.override("en"):
        yield


class Phone:
    """Registers customers with their messages really sent (in-process), and reads them
    back from the file SMS backend and the test mail outbox, as the customer would."""

    def __init__(self, directory: Path, capture) -> None:
        self.directory = directory
        self.capture = capture

    def run(self, function, **kwargs):
        with self.capture(execute=True):
            return function(**kwargs)

    def register(self, *, language="en", user=None, **overrides):
        return self.run(
            individual_register,
            details=individual_details(**overrides),
            channel=Channel.WEB,
            consent_given=True,
            language=language,
            user=user,
        )

    def texts(self, number: str | None = None) -> list[dict]:
        lines = []
        for path in sorted(self.directory.glob("*.jsonl")):
            lines += [json.loads(line) for line in path.read_text().splitlines()]
        return [line for line in lines if number is None or line["to"] == number]

    def last_text(self, number: str) -> str:
        return self.texts(number)[-1]["text"]

    def code(self, number: str) -> str:
        return re.search(r"code is (\d{6})", self.last_text(number)).group(1)

    def token(self, number: str) -> str:
        return re.search(r"/confirm/([^/\s]+)/", self.last_text(number)).group(1)


@pytest.fixture
def phone(settings, tmp_path, celery_eager, django_capture_on_commit_callbacks) -> Phone:
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    return Phone(tmp_path / "sms", django_capture_on_commit_callbacks)


def mobile_of(customer) -> str:
    return customer.individual.mobile


def case_of(customer):
    return customer.cases.get()


# -- the message -------------------------------------------------------------------------


def test_after_registration_the_customer_gets_a_masked_summary_by_sms_and_email(phone):
    customer = phone.register(email="xiaoming@example.com")
    individual = customer.individual

    [text] = phone.texts(individual.mobile)
    [email] = mail.outbox
    assert email.to == ["xiaoming@example.com"]
    for body in (text["text"], email.body, email.alternatives[0][0]):
        assert "王**" in body
        assert individual.document_number[:6] + "********" in body
        # Never the full identity number, name or address.
        assert individual.document_number not in body
        assert "王小明" not in body
        assert "漕溪北路" not in body
    assert "139****" in email.body
    assert individual.mobile[-8:] not in email.body
    assert re.search(r"code is \d{6}", text["text"])
    assert "/confirm/" in email.body
    confirmation = Confirmation.objects.get()
    assert confirmation.delivery == ConfirmationDelivery.DELIVERED
    # Once sent, the plain code is gone; only its keyed digest stays.
    assert confirmation.secrets == ""
    assert phone.code(individual.mobile) not in confirmation.code_digest


def test_the_message_is_written_in_the_customers_language(phone):
    customer = phone.register(language="zh-hans", email="")
    text = phone.last_text(mobile_of(customer))
    assert "确认码" in text
    assert "code is" not in text


def test_without_an_email_address_only_an_sms_is_sent(phone):
    customer = phone.register(email="")
    assert len(phone.texts(mobile_of(customer))) == 1
    assert mail.outbox == []
    assert OutboxMessage.objects.get().kind == "confirmation.sms"


def test_an_enterprise_is_asked_through_its_authorised_contact(phone):
    details = enterprise_details(contact_email="li.si@example.com")
    customer = phone.run(
        enterprise_register,
        details=details,
        channel=Channel.WEB,
        consent_given=True,
        language="en",
    )
    enterprise = customer.enterprise
    [text] = phone.texts(enterprise.contact_mobile)
    assert mail.outbox[0].to == ["li.si@example.com"]
    body = mail.outbox[0].body
    assert "上海示例物流有限公司" in body
    assert enterprise.credit_code not in body and enterprise.credit_code[:6] in body
    assert "李*" in body
    assert "/confirm/" in text["text"]


# -- the link ----------------------------------------------------------------------------


def test_the_link_confirms_the_details_once(phone):
    customer = phone.register()
    token = phone.token(mobile_of(customer))
    case = case_of(customer)

    confirmation_confirm(case=case, token=token)

    case.refresh_from_db()
    assert case.state == CaseState.DOCUMENT_REVIEW
    assert case.confirmed_at is not None
    assert AuditEntry.objects.filter(action="customer.confirmed", target_id=str(case.pk)).exists()
    with pytest.raises(ConfirmationError) as raised:
        confirmation_confirm(case=case, token=token)
    assert raised.value.code == "link_used"
    assert "already confirmed" in str(raised.value.message)


def test_an_expired_link_is_refused_and_a_new_message_can_be_asked_for(phone):
    customer = phone.register()
    token = phone.token(mobile_of(customer))
    with freeze_time(timezone.now() + datetime.timedelta(hours=72, minutes=1)):
        with pytest.raises(ConfirmationError) as raised:
            confirmation_from_token(token=token)
        assert raised.value.code == "link_expired"
        assert raised.value.confirmation is not None  # we know whom to send a new one
        phone.run(confirmation_resend, case=case_of(customer))
        confirmation_confirm(case=case_of(customer), token=phone.token(mobile_of(customer)))
    assert case_of(customer).state == CaseState.DOCUMENT_REVIEW


@pytest.mark.parametrize(
    "alter",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature
        lambda token: "x" + token,  # payload
        lambda token: token.split(":")[0],  # cut off
        lambda token: "not-a-token",
    ],
)
def test_an_altered_link_is_refused(phone, alter):
    customer = phone.register()
    token = phone.token(mobile_of(customer))
    with pytest.raises(ConfirmationError) as raised:
        confirmation_confirm(case=case_of(customer), token=alter(token))
    assert raised.value.code == "link_altered"
    assert raised.value.confirmation is None
    assert case_of(customer).state == CaseState.AWAITING_CONFIRMATION


def test_a_correctly_signed_link_with_a_guessed_nonce_is_refused(phone):
    customer = phone.register()
    confirmation = Confirmation.objects.get()
    forged = confirmation_link_token(confirmation_id=confirmation.pk, nonce="guess")
    with pytest.raises(ConfirmationError) as raised:
        confirmation_confirm(case=case_of(customer), token=forged)
    assert raised.value.code == "link_altered"


def test_a_link_cannot_confirm_another_customers_case(phone):
    first, second = phone.register(), phone.register()
    with pytest.raises(ConfirmationError) as raised:
        confirmation_confirm(case=case_of(second), token=phone.token(mobile_of(first)))
    assert raised.value.code == "link_altered"
    assert case_of(second).state == CaseState.AWAITING_CONFIRMATION


def test_an_older_message_stops_working_when_a_new_one_is_sent(phone):
    customer = phone.register()
    number = mobile_of(customer)
    old_token, old_code = phone.token(number), phone.code(number)
    with freeze_time(timezone.now() + datetime.timedelta(seconds=61)):
        phone.run(confirmation_resend, case=case_of(customer))
    assert phone.token(number) != old_token
    with pytest.raises(ConfirmationError) as raised:
        confirmation_confirm(case=case_of(customer), token=old_token)
    assert raised.value.code == "link_superseded"
    if old_code != phone.code(number):
        with pytest.raises(ConfirmationError):
            confirmation_confirm(case=case_of(customer), code=old_code)
    confirmation_confirm(case=case_of(customer), code=phone.code(number))
    assert case_of(customer).state == CaseState.DOCUMENT_REVIEW


# -- the code ----------------------------------------------------------------------------


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_the_code_confirms(phone):
    customer = phone.register()
    case = confirmation_confirm(case=case_of(customer), code=phone.code(mobile_of(customer)))
    assert case.state == CaseState.DOCUMENT_REVIEW


def test_wrong_codes_are_counted_and_the_fifth_kills_the_code(phone, settings):
    settings.KYC_CONFIRMATION_CODE_ATTEMPTS = 5
    customer = phone.register()
    code = phone.code(mobile_of(customer))
    case = case_of(customer)
    for left in (4, 3, 2, 1):
        with pytest.raises(ConfirmationError) as raised:
            confirmation_confirm(case=case, code=wrong(code))
        assert raised.value.code == "code_wrong"
        assert f"try {left} more" in raised.value.message
    assert Confirmation.objects.get().code_attempts == 4  # counted although refused
    with pytest.raises(ConfirmationError) as raised:
        confirmation_confirm(case=case, code="12a456")
    assert raised.value.code == "code_locked"
    # Dead now, even with the right code: the customer asks for a new message.
    with pytest.raises(ConfirmationError) as raised:
        confirmation_confirm(case=case, code=code)
    assert raised.value.code == "code_locked"
    assert case_of(customer).state == CaseState.AWAITING_CONFIRMATION


def test_an_expired_code_is_refused(phone):
    customer = phone.register()
    code = phone.code(mobile_of(customer))
    with (
        freeze_time(timezone.now() + datetime.timedelta(hours=73)),
        pytest.raises(ConfirmationError) as raised,
    ):
        confirmation_confirm(case=case_of(customer), code=code)
    assert raised.value.code == "code_expired"
    assert Confirmation.objects.get().code_attempts == 0


def test_the_expiry_follows_the_policy_setting(phone, settings):
    settings.KYC_CONFIRMATION_HOURS = 1
    customer = phone.register()
    with (
        freeze_time(timezone.now() + datetime.timedelta(minutes=61)),
        pytest.raises(ConfirmationError) as raised,
    ):
        confirmation_from_token(token=phone.token(mobile_of(customer)))
    assert raised.value.code == "link_expired"


# -- sending again -----------------------------------------------------------------------


def test_asking_again_too_soon_is_refused_with_the_wait(phone):
    customer = phone.register()
    with pytest.raises(ResendRateLimitedError) as raised:
        confirmation_resend(case=case_of(customer))
    assert raised.value.code == "resend_rate_limited"
    assert raised.value.status_code == 429
    assert 1 <= raised.value.retry_after <= 60
    assert len(phone.texts(mobile_of(customer))) == 1


def test_at_most_five_messages_a_day(phone, settings):
    settings.KYC_CONFIRMATION_MESSAGES_PER_DAY = 5
    start = timezone.now()
    with freeze_time(start):
        customer = phone.register()
    for minute in range(1, 5):
        with freeze_time(start + datetime.timedelta(minutes=minute)):
            phone.run(confirmation_resend, case=case_of(customer))
    with (
        freeze_time(start + datetime.timedelta(minutes=10)),
        pytest.raises(ResendRateLimitedError) as raised,
    ):
        confirmation_resend(case=case_of(customer))
    assert "most messages we can in one day" in raised.value.message
    assert len(phone.texts(mobile_of(customer))) == 5
    with freeze_time(start + datetime.timedelta(days=1, minutes=2)):
        phone.run(confirmation_resend, case=case_of(customer))
    assert len(phone.texts(mobile_of(customer))) == 6


def test_nothing_is_sent_again_once_confirmed(phone):
    customer = phone.register()
    confirmation_confirm(case=case_of(customer), code=phone.code(mobile_of(customer)))
    with (
        freeze_time(timezone.now() + datetime.timedelta(minutes=5)),
        pytest.raises(DomainError) as raised,
    ):
        confirmation_resend(case=case_of(customer))
    assert raised.value.code == "not_awaiting_confirmation"


# -- delivery ----------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_after_the_last_try_staff_see_confirmation_not_delivered(phone, settings):
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{closed_port()}/send"
    settings.SMS_GATEWAY_API_KEY = "key"
    customer = phone.register(email="")

    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    assert message.last_error.startswith("sms_unreachable")
    status = confirmation_status_for(case_of(customer))
    assert status.not_delivered
    assert status.delivery_label == "Confirmation not delivered"


def test_one_channel_delivered_is_enough(phone, settings):
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{closed_port()}/send"
    settings.SMS_GATEWAY_API_KEY = "key"
    customer = phone.register(email="xiaoming@example.com")
    assert len(mail.outbox) == 1
    status = confirmation_status_for(case_of(customer))
    assert status.delivery == ConfirmationDelivery.DELIVERED
    assert not status.not_delivered


def test_a_retried_task_sends_the_text_once(phone, monkeypatch):
    real_backend = sms_module.get_sms_backend

    class FlakyThenFine:
        failures = 2

        def send(self, **kwargs):
            if FlakyThenFine.failures:
                FlakyThenFine.failures -= 1
                raise SmsTemporaryError("gateway busy", code="sms_gateway_error")
            return real_backend().send(**kwargs)

    monkeypatch.setattr(sms_module, "get_sms_backend", lambda name=None: FlakyThenFine())
    customer = phone.register(email="")

    assert len(phone.texts(mobile_of(customer))) == 1
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 3)
    assert phone.texts()[0]["idempotency_key"] == str(message.pk)


def test_registration_is_saved_while_the_broker_is_down_and_the_relay_sends_once(
    phone, monkeypatch
):
    from kombu.exceptions import OperationalError

    from kyc_portal.messaging.tasks import outbox_deliver_task

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(outbox_deliver_task, "apply_async", broker_down)
    customer = phone.register(email="")

    assert case_of(customer).state == CaseState.AWAITING_CONFIRMATION
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING
    assert phone.texts() == []

    monkeypatch.undo()
    outbox_relay()
    outbox_relay()
    assert len(phone.texts(mobile_of(customer))) == 1
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT


# -- correction --------------------------------------------------------------------------


def test_correcting_the_mobile_sends_a_new_confirmation_there(phone):
    customer = phone.register(email="")
    old_number = mobile_of(customer)
    old_token = phone.token(old_number)

    customer = phone.run(
        customer_details_correct,
        customer=customer,
        details={"mobile": "13700001111", "street": "天钥桥路 1 号"},
        actor=None,
    )

    assert customer.individual.mobile == "+8613700001111"
    assert customer.individual.street == "天钥桥路 1 号"
    entry = AuditEntry.objects.get(action="customer.corrected")
    assert entry.details == {"fields": ["mobile", "street"]}
    assert "13700001111" not in json.dumps(entry.details)
    assert len(phone.texts("+8613700001111")) == 1
    with pytest.raises(ConfirmationError) as raised:
        confirmation_from_token(token=old_token)
    assert raised.value.code == "link_superseded"
    confirmation_confirm(case=case_of(customer), token=phone.token("+8613700001111"))


def test_a_correction_that_changes_nothing_sends_nothing(phone):
    customer = phone.register(email="")
    phone.run(
        customer_details_correct,
        customer=customer,
        details={"street": customer.individual.street},
        actor=None,
    )
    assert Confirmation.objects.count() == 1
    assert not AuditEntry.objects.filter(action="customer.corrected").exists()


def test_invalid_corrections_save_nothing(phone):
    customer = phone.register(email="")
    with pytest.raises(ValidationError) as raised:
        customer_details_correct(
            customer=customer, details={"mobile": "12345", "street": "新地址"}, actor=None
        )
    assert "mobile" in raised.value.error_dict
    customer.individual.refresh_from_db()
    assert customer.individual.street == "漕溪北路 88 号 1201 室"
    assert Confirmation.objects.count() == 1


def test_an_identity_number_of_another_customer_is_refused(phone):
    other = phone.register()
    customer = phone.register()
    with pytest.raises(DuplicateIdentityError) as raised:
        customer_details_correct(
            customer=customer,
            details={"document_number": other.individual.document_number},
            actor=None,
        )
    assert raised.value.code == "duplicate_identity"
    customer.individual.refresh_from_db()
    assert customer.individual.document_number != other.individual.document_number


def test_a_new_identity_number_is_validated_and_saved(phone):
    customer = phone.register()
    number = resident_id()
    customer = phone.run(
        customer_details_correct,
        customer=customer,
        details={"document_number": number},
        actor=None,
    )
    assert customer.individual.document_number == number
    assert AuditEntry.objects.get(action="customer.corrected").details == {
        "fields": ["document_number"]
    }


def test_no_correction_once_the_case_left_confirmation(phone):
    customer = phone.register()
    confirmation_confirm(case=case_of(customer), code=phone.code(mobile_of(customer)))
    with pytest.raises(DomainError) as raised:
        customer_details_correct(customer=customer, details={"street": "新地址"}, actor=None)
    assert raised.value.code == "not_correctable"


def test_an_enterprise_corrects_its_contact_and_owners(phone):
    customer = phone.run(
        enterprise_register,
        details=enterprise_details(),
        channel=Channel.API,
        consent_given=True,
        language="en",
    )
    owners = [
        {
            "full_name": "王五",
            "nationality": "CN",
            "document_type": "resident_id",
            "document_number": resident_id(birth_date=datetime.date(1980, 1, 1)),
            "share": "30",
        }
    ]
    customer = phone.run(
        customer_details_correct,
        customer=customer,
        details={"contact_mobile": "13600002222", "beneficial_owners": owners},
        actor=None,
    )
    enterprise = customer.enterprise
    assert [owner.full_name for owner in enterprise.beneficial_owners.all()] == ["王五"]
    assert AuditEntry.objects.get(action="customer.corrected").details == {
        "fields": ["beneficial_owners", "contact_mobile"]
    }
    assert len(phone.texts("+8613600002222")) == 1
    assert Confirmation.objects.filter(state=ConfirmationState.ACTIVE).count() == 1
