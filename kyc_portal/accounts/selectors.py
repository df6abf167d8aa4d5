"""Reads about users: their role, and which rows of a queryset they may reach."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, Group
from django.db.models import Count, Q, QuerySet
from django_otp import user_has_device

from .models import Store, User
from .roles import UNSCOPED_ROLES, Role, user_roles


def user_has_confirmed_otp_device(user: User) -> bool:
    return user_has_device(user, confirmed=True)


def scope_to_user(
    queryset: QuerySet,
    user: User | AnonymousUser | None,
    *,
    customer_path: str | None = "customer__user",
    store_path: str | None = "store",
    unscoped_roles: frozenset[Role] = UNSCOPED_ROLES,
) -> QuerySet:
    """Only the rows of ``queryset`` that ``user`` may reach.

    Customers get the rows whose ``customer_path`` leads to themselves, store staff the
    rows whose ``store_path`` is their store, reviewers, compliance officers and
    administrators everything (or whoever ``unscoped_roles`` names), anyone else nothing.
    Pass ``None`` as a path when the model has no such link: that role then gets nothing.
    """
    roles = user_roles(user)
    if roles & unscoped_roles:
        return queryset
    if Role.STORE_STAFF in roles:
        if store_path is None or user.store_id is None:
            return queryset.none()
        return queryset.filter(**{store_path: user.store_id})
    if Role.CUSTOMER in roles:
        if customer_path is None:
            return queryset.none()
        return queryset.filter(**{customer_path: user.pk})
    return queryset.none()


def store_users(*, actor: User) -> QuerySet[User]:
    """Accounts attached to a store, as far as ``actor`` may see them."""
    users = User.objects.filter(store__isnull=False).select_related("store")
    return scope_to_user(users, actor, customer_path="pk", store_path="store").order_by("username")


def store_list(*, actor: User) -> QuerySet[Store]:
    """Stores ``actor`` may see: all for head-office roles, their own for store staff."""
    return scope_to_user(Store.objects.all(), actor, customer_path=None, store_path="pk")


@dataclass(frozen=True)
class RoleCount:
    role: Role
    active_users: int


def role_member_counts() -> list[RoleCount]:
    """How many active accounts hold each role (for the administrator's overview)."""
    counts = dict(
        Group.objects.filter(name__in=Role.values)
        .annotate(active_users=Count("user", filter=Q(user__is_active=True)))
        .values_list("name", "active_users")
    )
    return [RoleCount(role=role, active_users=counts.get(role.value, 0)) for role in Role]
