"""Writes about accounts: the role groups, a user's role, second-factor enrolment."""

import logging
from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, verify_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from kyc_portal.core.errors import DomainError

from .models import Store, User
from .roles import ROLE_PERMISSIONS, Role, forget_cached_roles

logger = logging.getLogger(__name__)

TOTP_DEVICE_NAME = "authenticator"


@dataclass
class RolesSyncReport:
    created_groups: list[str] = field(default_factory=list)
    # Permissions listed in roles.py whose app or model is not installed (yet).
    missing_permissions: list[str] = field(default_factory=list)


def _permissions_by_name(names: set[str]) -> dict[str, Permission]:
    app_labels = {name.split(".", 1)[0] for name in names}
    found = Permission.objects.filter(content_type__app_label__in=app_labels).select_related(
        "content_type"
    )
    by_name = {f"{p.content_type.app_label}.{p.codename}": p for p in found}
    return {name: by_name[name] for name in names if name in by_name}


@transaction.atomic
def roles_sync() -> RolesSyncReport:
    """Create one group per role and give it exactly the permissions of roles.py.

    Idempotent: running it twice changes nothing the second time.
    """
    report = RolesSyncReport()
    wanted = {name for names in ROLE_PERMISSIONS.values() for name in names}
    permissions = _permissions_by_name(wanted)
    report.missing_permissions = sorted(wanted - permissions.keys())
    for role in Role:
        group, created = Group.objects.get_or_create(name=role.value)
        if created:
            report.created_groups.append(role.value)
        group.permissions.set(
            [permissions[name] for name in ROLE_PERMISSIONS[role] if name in permissions]
        )
    return report


def _role_group(role: Role) -> Group:
    group = Group.objects.filter(name=role.value).first()
    if group is None:
        # The groups are made after migrate; a database flushed since then lacks them.
        roles_sync()
        group = Group.objects.get(name=role.value)
    return group


@transaction.atomic
def user_set_role(*, user: User, role: Role | str) -> User:
    """Give ``user`` exactly one role. Only administrators may enter the Django admin."""
    role = Role(role)
    user.groups.set([_role_group(role)])
    user.is_staff = role == Role.ADMINISTRATOR
    user.save(update_fields=["is_staff"])
    forget_cached_roles(user)
    return user


def user_sync_admin_access(*, user: User) -> User:
    """Keep ``is_staff`` (Django admin access) in line with the user's groups."""
    forget_cached_roles(user)
    is_administrator = user.is_superuser or user.groups.filter(name=Role.ADMINISTRATOR).exists()
    if user.is_staff != is_administrator:
        user.is_staff = is_administrator
        user.save(update_fields=["is_staff"])
    return user


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: Role | str,
    store: Store | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    user = User(
        username=username,
        store=store,
        first_name=first_name,
        last_name=last_name,
        email=email,
    )
    user.set_password(password)
    user.save()
    return user_set_role(user=user, role=role)


def totp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator the user is setting up (a new secret the first time).

    Reloading the page shows the same secret, so a half-scanned QR code stays valid.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def _wrong_code_error() -> DomainError:
    return DomainError(
        _("That code is not correct. Enter the 6 digits your authenticator app shows now."),
        code="otp_invalid",
        field="otp_token",
    )


def _throttled_error() -> DomainError:
    return DomainError(
        _("Too many wrong codes. Wait a few seconds, then enter the newest code."),
        code="otp_throttled",
        field="otp_token",
        status_code=429,
    )


def totp_device_confirm(*, request: HttpRequest, device: TOTPDevice, token: str) -> TOTPDevice:
    """Confirm a new authenticator with its first code and mark this session verified.

    Raises DomainError ``otp_invalid`` or ``otp_throttled`` when the code is refused.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, confirmed=False)
        if not device.verify_is_allowed()[0]:
            raise _throttled_error()
        if not device.verify_token(token):
            raise _wrong_code_error()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # One authenticator per person: a new enrolment replaces the previous one.
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    otp_login(request, device)
    logger.info("Second factor enrolled for a staff account")
    return device


def second_factor_verify(*, request: HttpRequest, token: str) -> None:
    """Check a code against the user's confirmed devices; on success the session is verified.

    Raises DomainError ``otp_invalid`` or ``otp_throttled`` when the code is refused.
    """
    user = request.user
    devices = list(devices_for_user(user, confirmed=True))
    if devices and not any(device.verify_is_allowed()[0] for device in devices):
        raise _throttled_error()
    for device in devices:
        verified = verify_token(user, device.persistent_id, token)
        if verified is not None:
            otp_login(request, verified)
            return
    raise _wrong_code_error()
