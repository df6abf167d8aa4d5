"""Demo stores and one login per role, with known passwords, for trying the portal out.

Each loader is idempotent (running it again updates, never duplicates) and returns the
logins it made, which `manage.py load_demo_data` prints. Other apps add their own loaders
to that command's list (for example customers in different states).
"""

from dataclasses import dataclass

from django.db import transaction

from .models import Store, User
from .roles import Role
from .services import user_set_role

DEMO_STORE_CODE = "xuhui"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: Role
    note: str = ""


@dataclass(frozen=True)
class _DemoStore:
    code: str
    name: str
    city: str


@dataclass(frozen=True)
class _DemoAccount:
    username: str
    password: str
    role: Role
    last_name: str
    first_name: str
    store_code: str | None = None


_STORES = (
    _DemoStore(code=DEMO_STORE_CODE, name="徐汇门店", city="上海"),
    _DemoStore(code="pudong", name="浦东门店", city="上海"),
)

# Passwords are set directly (not through the validators): they are meant to be known.
_ACCOUNTS = (
    _DemoAccount("customer", "demo-customer-2026", Role.CUSTOMER, "王", "芳"),
    _DemoAccount("store", "demo-store-2026", Role.STORE_STAFF, "李", "明", DEMO_STORE_CODE),
    _DemoAccount("store_pudong", "demo-store-2026", Role.STORE_STAFF, "周", "婷", "pudong"),
    _DemoAccount("reviewer", "demo-reviewer-2026", Role.REVIEWER, "张", "伟"),
    _DemoAccount("senior", "demo-senior-2026", Role.SENIOR_REVIEWER, "陈", "静"),
    _DemoAccount("compliance", "demo-compliance-2026", Role.COMPLIANCE_OFFICER, "刘", "洋"),
    _DemoAccount("admin", "demo-admin-2026", Role.ADMINISTRATOR, "赵", "敏"),
)


def demo_store() -> Store:
    """The store the demo's walk-in customers belong to."""
    return Store.objects.get(code=DEMO_STORE_CODE)


@transaction.atomic
def load_demo_accounts() -> list[DemoLogin]:
    stores = {}
    for spec in _STORES:
        stores[spec.code], _ = Store.objects.update_or_create(
            code=spec.code, defaults={"name": spec.name, "city": spec.city, "is_active": True}
        )
    logins = []
    for spec in _ACCOUNTS:
        store = stores[spec.store_code] if spec.store_code else None
        user, _ = User.objects.update_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@demo.invalid",
                "store": store,
                "is_active": True,
                "is_superuser": False,
            },
        )
        user.set_password(spec.password)
        user.save(update_fields=["password"])
        user_set_role(user=user, role=spec.role)
        logins.append(
            DemoLogin(spec.username, spec.password, spec.role, store.name if store else "")
        )
    return logins
