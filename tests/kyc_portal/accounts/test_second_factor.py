"""Staff pass a TOTP second factor before any staff page; codes come from django_otp."""

import re
from base64 import b32encode

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time

from kyc_portal.accounts.roles import Role
from tests.factories.accounts import DEFAULT_PASSWORD, TOTPDeviceFactory, UserFactory, totp_code

pytestmark = pytest.mark.django_db

VERIFY = reverse("accounts:otp_verify")
ENROL = reverse("accounts:otp_enrol")
REVIEW_HOME = reverse("core:home_reviewer")


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def log_in(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302, "the password step should pass"
    return response


def wrong_code(device: TOTPDevice) -> str:
    return str((int(totp_code(device)) + 1) % 1_000_000).zfill(6)


def test_staff_with_an_authenticator_must_enter_a_code_before_any_staff_page(client):
    device = TOTPDeviceFactory(user=UserFactory(role=Role.REVIEWER))
    log_in(client, device.user)

    response = client.get(REVIEW_HOME)
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next={REVIEW_HOME.replace('/', '%2F')}"

    response = client.post(VERIFY, {"otp_token": totp_code(device), "next": REVIEW_HOME})
    assert response.status_code == 302
    assert response["Location"] == REVIEW_HOME
    assert client.get(REVIEW_HOME).status_code == 200


def test_a_wrong_code_keeps_the_staff_member_out(client):
    device = TOTPDeviceFactory(user=UserFactory(role=Role.COMPLIANCE_OFFICER))
    log_in(client, device.user)

    response = client.post(VERIFY, {"otp_token": wrong_code(device)})

    assert response.status_code == 200
    assert "That code is not correct" in response.content.decode()
    assert client.get(reverse("core:home_compliance")).status_code == 302


def test_a_code_cannot_be_used_twice(client):
    device = TOTPDeviceFactory(user=UserFactory(role=Role.REVIEWER))
    code = totp_code(device)
    log_in(client, device.user)
    client.post(VERIFY, {"otp_token": code})
    client.post(reverse("accounts:logout"))

    log_in(client, device.user)
    response = client.post(VERIFY, {"otp_token": code})

    assert "That code is not correct" in response.content.decode()


def test_guessing_codes_is_slowed_down(client):
    device = TOTPDeviceFactory(user=UserFactory(role=Role.REVIEWER))
    log_in(client, device.user)
    with freeze_time() as clock:
        client.post(VERIFY, {"otp_token": wrong_code(device)})
        # Right away, even the right code is refused: wait first.
        response = client.post(VERIFY, {"otp_token": totp_code(device)})
        assert response.status_code == 429
        assert "Too many wrong codes" in response.content.decode()

        clock.tick(2)
        response = client.post(VERIFY, {"otp_token": totp_code(device)})
        assert response.status_code == 302


def test_unverified_staff_may_still_log_out_switch_language_and_load_static_files(client):
    device = TOTPDeviceFactory(user=UserFactory(role=Role.STORE_STAFF))
    log_in(client, device.user)

    assert client.get(VERIFY).status_code == 200
    assert client.post(reverse("set_language"), {"language": "en"}).status_code == 302
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert "_auth_user_id" not in client.session


def test_unverified_staff_get_a_json_refusal_from_the_api(client):
    device = TOTPDeviceFactory(user=UserFactory(role=Role.REVIEWER))
    log_in(client, device.user)

    response = client.get("/api/v1/anything/")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "second_factor_required"


def test_customers_never_see_the_second_factor(client):
    customer = UserFactory(role=Role.CUSTOMER)
    log_in(client, customer)

    response = client.get(reverse("core:home"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("core:home_customer")
    assert client.get(VERIFY).status_code == 302  # nothing to verify: sent on


def test_in_the_demo_staff_without_authenticator_may_work_without_one(client, settings):
    settings.STAFF_OTP_REQUIRED = False
    reviewer = UserFactory(role=Role.REVIEWER)
    log_in(client, reviewer)

    response = client.get(REVIEW_HOME)

    assert response.status_code == 200
    assert "Protect your account with two-step verification" in response.content.decode()


def test_in_production_staff_without_authenticator_must_enrol_first(client, settings):
    settings.STAFF_OTP_REQUIRED = True
    reviewer = UserFactory(role=Role.REVIEWER)
    log_in(client, reviewer)

    response = client.get(REVIEW_HOME, follow=True)

    assert response.redirect_chain[-1][0].startswith(ENROL)
    page = response.content.decode()
    assert "<svg" in page  # the QR code, drawn inline (no external image, no script)
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    assert "Not now" not in page  # no way around it in production
    assert client.get(REVIEW_HOME).status_code == 302

    response = client.post(ENROL, {"otp_token": totp_code(device), "next": REVIEW_HOME})

    assert response.status_code == 302
    assert response["Location"] == REVIEW_HOME
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(REVIEW_HOME).status_code == 200


def shown_secret(page: str) -> str:
    code = re.search(r'<code class="secret"[^>]*>(.*?)</code>', page, re.S).group(1)
    return re.sub(r"<[^>]+>|\s", "", code)


def test_the_enrolment_page_shows_the_same_secret_in_text_until_confirmed(client, settings):
    settings.STAFF_OTP_REQUIRED = True
    reviewer = UserFactory(role=Role.REVIEWER)
    log_in(client, reviewer)

    first = client.get(ENROL).content.decode()
    second = client.get(ENROL).content.decode()

    device = TOTPDevice.objects.get(user=reviewer)
    assert shown_secret(first) == b32encode(device.bin_key).decode()
    assert shown_secret(second) == shown_secret(first)


def test_a_wrong_first_code_does_not_confirm_the_authenticator(client, settings):
    settings.STAFF_OTP_REQUIRED = True
    reviewer = UserFactory(role=Role.REVIEWER)
    log_in(client, reviewer)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=reviewer)

    response = client.post(ENROL, {"otp_token": wrong_code(device)})

    assert response.status_code == 200
    assert "That code is not correct" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_a_stolen_password_cannot_enrol_a_new_authenticator(client):
    device = TOTPDeviceFactory(user=UserFactory(role=Role.ADMINISTRATOR))
    log_in(client, device.user)  # password only

    response = client.get(ENROL)

    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=device.user).count() == 1


def test_a_verified_staff_member_can_replace_the_authenticator(client):
    old = TOTPDeviceFactory(user=UserFactory(role=Role.REVIEWER))
    log_in(client, old.user)
    client.post(VERIFY, {"otp_token": totp_code(old)})

    assert "Replace your authenticator" in client.get(ENROL).content.decode()
    new = TOTPDevice.objects.get(user=old.user, confirmed=False)
    client.post(ENROL, {"otp_token": totp_code(new)})

    assert list(TOTPDevice.objects.filter(user=old.user)) == [new]


def test_the_admin_needs_the_second_factor_too(client):
    device = TOTPDeviceFactory(user=UserFactory(role=Role.ADMINISTRATOR))
    log_in(client, device.user)

    assert client.get("/admin/")["Location"].startswith(VERIFY)
    client.post(VERIFY, {"otp_token": totp_code(device)})
    assert client.get("/admin/").status_code == 200


def test_only_the_health_check_itself_is_open_to_unverified_staff(client):
    device = TOTPDeviceFactory(user=UserFactory(role=Role.REVIEWER))
    log_in(client, device.user)

    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/healthz-and-more/")["Location"].startswith(VERIFY)
