"""scope_to_user: customers reach their own rows, store staff their store's, head office all."""

import pytest

from kyc_portal.accounts.models import Store, User
from kyc_portal.accounts.roles import Role
from kyc_portal.accounts.selectors import scope_to_user, store_list, store_users
from tests.factories.accounts import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_stores():
    xuhui, pudong = StoreFactory(code="xuhui"), StoreFactory(code="pudong")
    people = {
        "xuhui_staff": UserFactory(role=Role.STORE_STAFF, store=xuhui, username="xh1"),
        "xuhui_colleague": UserFactory(role=Role.STORE_STAFF, store=xuhui, username="xh2"),
        "pudong_staff": UserFactory(role=Role.STORE_STAFF, store=pudong, username="pd1"),
        "walk_in": UserFactory(role=Role.CUSTOMER, store=xuhui, username="walkin"),
    }
    return xuhui, pudong, people


def usernames(queryset) -> set[str]:
    return set(queryset.values_list("username", flat=True))


def test_store_staff_list_only_the_accounts_of_their_own_store(two_stores):
    _, _, people = two_stores
    assert usernames(store_users(actor=people["xuhui_staff"])) == {"xh1", "xh2", "walkin"}
    assert usernames(store_users(actor=people["pudong_staff"])) == {"pd1"}


def test_store_staff_without_a_store_see_nothing(two_stores):
    orphan = UserFactory(role=Role.STORE_STAFF, store=None)
    assert not store_users(actor=orphan).exists()
    assert not store_list(actor=orphan).exists()


@pytest.mark.parametrize(
    "role", [Role.REVIEWER, Role.SENIOR_REVIEWER, Role.COMPLIANCE_OFFICER, Role.ADMINISTRATOR]
)
def test_head_office_roles_see_every_store(two_stores, role):
    assert usernames(store_users(actor=UserFactory(role=role))) == {"xh1", "xh2", "pd1", "walkin"}
    assert store_list(actor=UserFactory(role=role)).count() == 2


def test_a_customer_reaches_only_their_own_row(two_stores):
    _, _, people = two_stores
    other = UserFactory(role=Role.CUSTOMER)

    mine = scope_to_user(User.objects.all(), people["walk_in"], customer_path="pk")

    assert list(mine) == [people["walk_in"]]
    assert other not in scope_to_user(User.objects.all(), people["walk_in"], customer_path="pk")


def test_a_customer_gets_nothing_where_rows_have_no_customer_link(two_stores):
    _, _, people = two_stores
    assert not store_list(actor=people["walk_in"]).exists()


def test_store_staff_see_only_their_store_in_the_store_list(two_stores):
    xuhui, _, people = two_stores
    assert list(store_list(actor=people["xuhui_staff"])) == [xuhui]


def test_anonymous_users_and_users_without_role_get_nothing(two_stores):
    from django.contrib.auth.models import AnonymousUser

    nobody = UserFactory(role=Role.CUSTOMER)
    nobody.groups.clear()
    nobody.refresh_from_db()

    for user in (AnonymousUser(), None, nobody):
        assert not scope_to_user(Store.objects.all(), user, store_path="pk").exists()


def test_paths_can_follow_relations(two_stores):
    # Later apps pass paths such as "customer__user"; here a store is reached through the
    # accounts attached to it (Store.staff).
    xuhui, _, people = two_stores
    scoped = scope_to_user(Store.objects.all(), people["walk_in"], customer_path="staff")
    assert list(scoped) == [xuhui]
