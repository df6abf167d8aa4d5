"""Stores and users with a role. `UserFactory(role=Role.REVIEWER)`; password DEFAULT_PASSWORD."""

import factory
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kyc_portal.accounts.models import Store, User
from kyc_portal.accounts.roles import Role
from kyc_portal.accounts.services import user_set_role

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"store-{n}")
    name = factory.Sequence(lambda n: f"测试门店 {n}")
    city = "上海"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    role = Role.CUSTOMER
    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "明"
    last_name = "李"
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.invalid")
    # Store staff belong to a store; everyone else has none unless a test gives one.
    store = factory.Maybe(
        factory.LazyAttribute(lambda user: user.role == Role.STORE_STAFF),
        yes_declaration=factory.SubFactory(StoreFactory),
        no_declaration=None,
    )
    password = DEFAULT_PASSWORD

    @classmethod
    def _build(cls, model_class, *args, role, password, **kwargs):
        user = model_class(*args, **kwargs)
        user.set_password(password)
        return user

    @classmethod
    def _create(cls, model_class, *args, role, password, **kwargs):
        user = cls._build(model_class, *args, role=role, password=password, **kwargs)
        user.save()
        return user_set_role(user=user, role=role)


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    """A confirmed authenticator; compute its codes with tests.factories.accounts.totp_code."""

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory, role=Role.REVIEWER)
    name = "authenticator"
    confirmed = True


def totp_code(device: TOTPDevice) -> str:
    """The code the user's authenticator app shows now (freezegun moves "now")."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return str(value).zfill(device.digits)
