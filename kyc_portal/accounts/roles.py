"""The portal's roles, in one place: codes, labels, what each includes and the permissions
of its group.

A role is a Django group named by the role code. ``roles_sync()`` (run after every
``migrate`` and by ``manage.py sync_roles``) creates the groups and sets their permissions
to exactly what is listed here, so a permission added by hand in the admin does not
survive the next deployment. Later apps add their permissions to ``ROLE_PERMISSIONS``.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    STORE_STAFF = "store_staff", _("Store staff")
    REVIEWER = "reviewer", _("Reviewer")
    # A reviewer who may also give the second approval on high-risk cases (four eyes).
    SENIOR_REVIEWER = "senior_reviewer", _("Senior reviewer")
    COMPLIANCE_OFFICER = "compliance_officer", _("Compliance officer")
    ADMINISTRATOR = "administrator", _("Administrator")


# Everyone but customers works for the business: they pass a second factor and never
# see data outside their role's scope.
STAFF_ROLES = frozenset(
    {
        Role.STORE_STAFF,
        Role.REVIEWER,
        Role.SENIOR_REVIEWER,
        Role.COMPLIANCE_OFFICER,
        Role.ADMINISTRATOR,
    }
)

# Roles that can see every customer, not only their own record or their store's.
UNSCOPED_ROLES = frozenset(
    {Role.REVIEWER, Role.SENIOR_REVIEWER, Role.COMPLIANCE_OFFICER, Role.ADMINISTRATOR}
)

# A role that includes another may do everything the other may do.
ROLE_INCLUDES: dict[Role, frozenset[Role]] = {
    Role.SENIOR_REVIEWER: frozenset({Role.REVIEWER}),
}

# When a user is (by mistake) in several groups, the first of these is their role.
ROLE_PRECEDENCE: tuple[Role, ...] = (
    Role.ADMINISTRATOR,
    Role.COMPLIANCE_OFFICER,
    Role.SENIOR_REVIEWER,
    Role.REVIEWER,
    Role.STORE_STAFF,
    Role.CUSTOMER,
)

_REVIEWER_PERMISSIONS = ("accounts.view_store", "risk.view_riskassessment")

# "app_label.codename" of the model permissions each group holds. Customers need none:
# they reach their own data through scoped views, never through model permissions.
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.CUSTOMER: (),
    Role.STORE_STAFF: ("accounts.view_store",),
    Role.REVIEWER: _REVIEWER_PERMISSIONS,
    Role.SENIOR_REVIEWER: _REVIEWER_PERMISSIONS,
    Role.COMPLIANCE_OFFICER: (
        "accounts.view_store",
        "accounts.view_user",
        "audit.view_auditentry",
        "axes.view_accessattempt",
        "axes.view_accessfailurelog",
        "risk.view_riskpolicy",
        "risk.view_riskassessment",
    ),
    Role.ADMINISTRATOR: (
        "accounts.add_store",
        "accounts.change_store",
        "accounts.view_store",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_user",
        "auth.view_group",
        # Unlocking a locked-out account is deleting its failed attempts.
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accessfailurelog",
        # Resetting a lost authenticator is deleting the device so the user enrols again.
        "otp_totp.view_totpdevice",
        "otp_totp.delete_totpdevice",
        "otp_static.view_staticdevice",
        "otp_static.delete_staticdevice",
        "verification.view_case",
        "verification.view_caseapproval",
        "verification.view_caseassignment",
        "verification.view_informationrequest",
        "verification.view_slabreach",
        "verification.view_document",
        "verification.add_slatarget",
        "verification.change_slatarget",
        "verification.view_slatarget",
        "verification.delete_slatarget",
        "verification.add_fasttrackpolicy",
        "verification.change_fasttrackpolicy",
        "verification.view_fasttrackpolicy",
        "risk.view_riskpolicy",
        "risk.add_riskpolicy",
        "risk.change_riskpolicy",
        "risk.view_riskassessment",
    ),
}


UserLike = Any  # a User, AnonymousUser or None; roles.py does not import the model


def expand_roles(roles: set[Role]) -> frozenset[Role]:
    """The given roles plus every role they include."""
    expanded = set(roles)
    for role in roles:
        expanded |= ROLE_INCLUDES.get(role, frozenset())
    return frozenset(expanded)


# Role lookups are cached on the user object so one request asks the database once.
_ROLES_CACHE_ATTRIBUTE = "_kyc_roles_cache"


def user_roles(user: UserLike) -> frozenset[Role]:
    """Every role the user holds, including the roles those include (senior → reviewer).

    A superuser without a group counts as an administrator, so `createsuperuser` works.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, _ROLES_CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    known = set(Role.values)
    # groups.all() uses a prefetch when the caller made one (admin lists, API lists).
    roles = {Role(group.name) for group in user.groups.all() if group.name in known}
    if user.is_superuser:
        roles.add(Role.ADMINISTRATOR)
    expanded = expand_roles(roles)
    setattr(user, _ROLES_CACHE_ATTRIBUTE, expanded)
    return expanded


def user_role(user: UserLike) -> Role | None:
    """The user's main role (the highest one if they are in several groups), or None."""
    roles = user_roles(user)
    for role in ROLE_PRECEDENCE:
        if role in roles:
            return role
    return None


def user_has_role(user: UserLike, *roles: Role | str) -> bool:
    """Whether the user holds at least one of the given roles."""
    wanted = {Role(role) for role in roles}
    return bool(wanted & user_roles(user))


def user_is_staff_member(user: UserLike) -> bool:
    """Staff of the business (every role but customer): they need the second factor."""
    return bool(STAFF_ROLES & user_roles(user))


def forget_cached_roles(user: UserLike) -> None:
    """Call after changing a user's groups so the next check reads them again."""
    if user is not None and hasattr(user, _ROLES_CACHE_ATTRIBUTE):
        delattr(user, _ROLES_CACHE_ATTRIBUTE)


def _denied(request: HttpRequest):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied(_("Your role does not give access to this page."))


def role_required(*roles: Role) -> Callable:
    """View decorator: anonymous visitors go to the login page, other roles get a 403."""
    allowed = frozenset(roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not user_has_role(request.user, *allowed):
                return _denied(request)
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = allowed
        return wrapper

    return decorator


class RoleRequiredMixin:
    """Class-based views: set ``allowed_roles``; same behaviour as ``role_required``."""

    allowed_roles: Iterable[Role] = ()

    def dispatch(self, request: HttpRequest, *args, **kwargs):
        if not user_has_role(request.user, *self.allowed_roles):
            return _denied(request)
        return super().dispatch(request, *args, **kwargs)


class HasRole(BasePermission):
    """DRF permission: the user holds one of the view's ``allowed_roles``.

    ``permission_classes = [HasRole]`` with ``allowed_roles = (Role.REVIEWER,)`` on the
    view, or ``permission_classes = [HasRole.of(Role.REVIEWER)]``.
    """

    allowed_roles: Iterable[Role] = ()
    message = _("Your role does not allow this request.")

    @classmethod
    def of(cls, *roles: Role) -> type["HasRole"]:
        names = "".join(role.value.title().replace("_", "") for role in roles)
        return type(f"HasRole{names}", (cls,), {"allowed_roles": frozenset(roles)})

    def has_permission(self, request, view) -> bool:
        roles = self.allowed_roles or getattr(view, "allowed_roles", ())
        return bool(roles) and user_has_role(request.user, *roles)
