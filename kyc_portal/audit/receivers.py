"""Authentication events written to the audit trail.

Signals are Django's and django-axes' extension points for these events; recording them
is all that happens here.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from .enums import AuditAction
from .services import audit_record


def _existing_user(username: object) -> AbstractBaseUser | None:
    """The account a login attempt named, if there is one. The name itself is not kept."""
    if not isinstance(username, str) or not username:
        return None
    user_model = get_user_model()
    try:
        return user_model._default_manager.get_by_natural_key(username)
    except user_model.DoesNotExist:
        return None


def record_login(
    sender: Any, *, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any
) -> None:
    audit_record(action=AuditAction.AUTH_LOGIN, actor=user, request=request, target=user)


def record_logout(
    sender: Any, *, request: HttpRequest | None, user: AbstractBaseUser | None, **kwargs: Any
) -> None:
    if user is None or not user.is_authenticated:
        return  # logging out while logged out changes nothing
    audit_record(action=AuditAction.AUTH_LOGOUT, actor=user, request=request, target=user)


def record_login_failed(
    sender: Any,
    *,
    credentials: dict[str, Any],
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    # The typed username may be a phone number or an e-mail address: only an existing
    # account is named, by its id.
    username_field = get_user_model().USERNAME_FIELD
    account = _existing_user(credentials.get(username_field))
    audit_record(action=AuditAction.AUTH_LOGIN_FAILED, actor=None, request=request, target=account)


def record_locked_out(
    sender: Any,
    *,
    request: HttpRequest | None,
    username: str | None = None,
    **kwargs: Any,
) -> None:
    account = _existing_user(username)
    audit_record(action=AuditAction.AUTH_LOCKED_OUT, actor=None, request=request, target=account)
