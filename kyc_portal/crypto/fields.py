"""Encrypted model fields (AES-256-GCM, bound to model, field and row) and blind indexes.

How a value travels:

* Code assigns plaintext (``person.id_number = "1101..."``); it stays plaintext on the
  instance until ``save()``, where ``pre_save`` encrypts it for this row (the instance, and
  so its UUID primary key, is known there).
* A value read from the database becomes a :class:`StoredCiphertext`; the attribute
  descriptor decrypts it the first time it is read, with the row's primary key as part of
  the associated data. A failure raises :class:`~kyc_portal.crypto.errors.DecryptionError`.
* ``QuerySet.update()``, ``bulk_update()`` and ``filter(field=plaintext)`` never see the
  row, so they raise :class:`~kyc_portal.crypto.errors.EncryptedValueRequired`: save the
  instances one by one, and look rows up through a :class:`BlindIndexField`.

Empty strings are stored as ``""`` (emptiness is not secret) so blank fields can be added
by migrations and filtered with ``field=""``; NULL stays NULL.
"""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

from django.core import checks
from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init
from django.utils.translation import gettext_lazy as _

from .blind_index import INDEX_LENGTH, blind_index
from .envelope import Binding, decrypt, encrypt, token_key_id
from .errors import EncryptedFieldError, EncryptedValueRequired
from .keys import get_keyring
from .normalise import NORMALISERS

_MISSING = object()
_ALLOWED_LOOKUPS = frozenset({"exact", "isnull"})


class StoredCiphertext:
    """An encrypted value as read from the database, not yet decrypted.

    ``bound_pk`` is the primary key of the row it was read from, remembered when the
    instance is built so a copied instance (``pk = None``) re-encrypts for its new row.
    Pickling keeps only the ciphertext, never the decrypted cache.
    """

    __slots__ = ("_decrypted", "_plaintext", "bound_pk", "token")

    def __init__(self, token: str, bound_pk: object = None) -> None:
        self.token = token
        self.bound_pk = bound_pk
        self._plaintext: Any = None
        self._decrypted = False

    @property
    def kid(self) -> str | None:
        return token_key_id(self.token)

    def __reduce__(self) -> tuple[type, tuple[str, object]]:
        return (StoredCiphertext, (self.token, self.bound_pk))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StoredCiphertext) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)

    def __repr__(self) -> str:
        return f"<StoredCiphertext key id {self.kid!r}>"

    __str__ = __repr__


def _same_pk(left: object, right: object) -> bool:
    try:
        return uuid.UUID(str(left)) == uuid.UUID(str(right))
    except ValueError:
        return False


class EncryptedAttribute(DeferredAttribute):
    """Decrypts on first read; keeps deferred loading (``.only()``/``.defer()``) working."""

    def __get__(self, instance: models.Model | None, cls: type | None = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, StoredCiphertext):
            return self.field.plaintext_of(instance, value)
        return value

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class EncryptedFieldMixin:
    """Shared behaviour of the encrypted fields; combine with a Django field class."""

    descriptor_class = EncryptedAttribute
    encrypted = True

    # -- plaintext serialisation (overridden by non-text fields) --------------------------
    def to_plaintext(self, value: Any) -> str:
        return str(value)

    def from_plaintext(self, text: str) -> Any:
        return text

    # -- storage ---------------------------------------------------------------------------
    def get_internal_type(self) -> str:
        # Ciphertext is longer than the plaintext: always a text column.
        return "TextField"

    def contribute_to_class(self, cls: type[models.Model], name: str, **kwargs: Any) -> None:
        super().contribute_to_class(cls, name, **kwargs)
        if not cls._meta.abstract:
            post_init.connect(self._remember_row, sender=cls)

    def _remember_row(self, *, instance: models.Model, **kwargs: Any) -> None:
        value = instance.__dict__.get(self.attname)
        if isinstance(value, StoredCiphertext) and value.bound_pk is None:
            value.bound_pk = instance.pk

    def binding(self, pk: object) -> Binding:
        label = self.model._meta.label
        if pk is None:
            raise EncryptedFieldError(
                f"{label}.{self.name} cannot be encrypted or decrypted for a row without a "
                "primary key; give the model a UUID primary key with a default."
            )
        try:
            return Binding.of(label=label, field=self.name, pk=pk)
        except ValueError:
            raise EncryptedFieldError(
                f"{label}.{self.name} needs a UUID primary key; this row's key is not a UUID."
            ) from None

    def plaintext_of(self, instance: models.Model, stored: StoredCiphertext) -> Any:
        if not stored._decrypted:
            pk = stored.bound_pk if stored.bound_pk is not None else instance.pk
            text = decrypt(stored.token, binding=self.binding(pk))
            stored._plaintext = self.from_plaintext(text)
            stored._decrypted = True
        return stored._plaintext

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        if value == "":
            return self._empty_value()
        return StoredCiphertext(value)

    def _empty_value(self) -> Any:
        return ""

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname, _MISSING)
        if value is _MISSING:
            value = getattr(model_instance, self.attname)
        pk = model_instance.pk
        if isinstance(value, StoredCiphertext):
            unchanged_row = value.bound_pk is not None and _same_pk(value.bound_pk, pk)
            if unchanged_row and value.kid == get_keyring().current.kid:
                return value
            # Moved to a new row (a copied instance) or under an old key: re-encrypt.
            value = self.plaintext_of(model_instance, value)
        if value is None or value == "":
            empty = None if value is None else self._empty_value()
            model_instance.__dict__[self.attname] = empty
            return empty
        python_value = self.to_python(value)
        stored = StoredCiphertext(
            encrypt(self.to_plaintext(python_value), binding=self.binding(pk)), bound_pk=pk
        )
        stored._plaintext = python_value
        stored._decrypted = True
        model_instance.__dict__[self.attname] = stored
        return stored

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return value
        if isinstance(value, StoredCiphertext):
            return value.token
        raise EncryptedValueRequired(
            f"{self.model._meta.label}.{self.name} is encrypted for each row, so plaintext "
            "cannot go to the database without the row: QuerySet.update(), bulk_update() and "
            "filter(<field>=plaintext) are not supported. Assign the value on the instance and "
            "call save(); look rows up through their blind index."
        )

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        return value

    # -- queries ---------------------------------------------------------------------------
    def get_lookup(self, lookup_name: str) -> Any:
        # Ciphertexts are randomised: only "is it there" questions have meaningful answers.
        if lookup_name not in _ALLOWED_LOOKUPS:
            return None
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name: str) -> Any:
        return None

    # -- checks ----------------------------------------------------------------------------
    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        return [*super().check(**kwargs), *self._check_encryption_constraints()]

    def _check_encryption_constraints(self) -> list[checks.CheckMessage]:
        errors: list[checks.CheckMessage] = []
        pk = self.model._meta.pk
        target = pk.target_field if pk.remote_field else pk
        if not isinstance(target, models.UUIDField) or (pk is target and not pk.has_default()):
            errors.append(
                checks.Error(
                    f"{self.__class__.__name__} needs a UUID primary key with a default "
                    "(e.g. id = UUIDField(primary_key=True, default=uuid.uuid4)): the row's "
                    "key is bound into each ciphertext.",
                    obj=self,
                    id="kyc_crypto.E001",
                )
            )
        if self.primary_key or self.unique or self.db_index:
            errors.append(
                checks.Error(
                    f"{self.__class__.__name__} cannot be a primary key, unique or indexed: "
                    "ciphertexts are randomised. Add a BlindIndexField for look-ups.",
                    obj=self,
                    id="kyc_crypto.E002",
                )
            )
        return errors


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    description = _("Text, encrypted at rest")


class EncryptedCharField(EncryptedFieldMixin, models.CharField):
    """A CharField whose max_length applies to the plaintext; stored in a text column."""

    description = _("String, encrypted at rest")


class EncryptedEmailField(EncryptedFieldMixin, models.EmailField):
    description = _("E-mail address, encrypted at rest")


class EncryptedDateField(EncryptedFieldMixin, models.DateField):
    description = _("Date, encrypted at rest")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("auto_now") or kwargs.get("auto_now_add"):
            raise TypeError("EncryptedDateField does not support auto_now or auto_now_add.")
        super().__init__(*args, **kwargs)

    def contribute_to_class(self, cls: type[models.Model], name: str, **kwargs: Any) -> None:
        # Skip DateField's get_next_by_<name>(): ordering by ciphertext means nothing.
        models.Field.contribute_to_class(self, cls, name, **kwargs)
        if not cls._meta.abstract:
            post_init.connect(self._remember_row, sender=cls)

    def to_plaintext(self, value: datetime.date) -> str:
        return value.isoformat()

    def from_plaintext(self, text: str) -> datetime.date:
        return datetime.date.fromisoformat(text)

    def _empty_value(self) -> Any:
        return None


class BlindIndexField(models.CharField):
    """Hex HMAC of another field's normalised plaintext, filled in on every save.

    ``id_number_index = BlindIndexField(source="id_number", kind="id_number")``; look up with
    ``filter(id_number_index=blind_index(typed_value, kind="id_number"))``. ``normaliser=`` is
    accepted as another name for ``kind``. When saving with ``update_fields``, list the index
    next to its source or it goes stale.
    """

    description = _("Keyed hash of another field, for exact look-ups")

    def __init__(
        self,
        *args: Any,
        source: str | None = None,
        kind: str | None = None,
        normaliser: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.source = source
        self.kind = kind or normaliser
        kwargs.setdefault("max_length", INDEX_LENGTH)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["kind"] = self.kind
        if kwargs.get("max_length") == INDEX_LENGTH:
            del kwargs["max_length"]
        # Field.deconstruct() leaves out Django's defaults; ours differ, so compare to ours.
        for key in ("editable", "db_index", "null", "blank"):
            ours = key != "editable"
            value = kwargs.pop(key, key == "editable")
            if value != ours:
                kwargs[key] = value
        return name, path, args, kwargs

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        if self.kind not in NORMALISERS:
            errors.append(
                checks.Error(
                    f"BlindIndexField kind must be one of: {', '.join(sorted(NORMALISERS))}.",
                    obj=self,
                    id="kyc_crypto.E003",
                )
            )
        try:
            self.model._meta.get_field(self.source or "")
        except Exception:
            errors.append(
                checks.Error(
                    f"BlindIndexField source {self.source!r} is not a field of this model.",
                    obj=self,
                    id="kyc_crypto.E004",
                )
            )
        return errors

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        source = model_instance._meta.get_field(self.source)
        current = model_instance.__dict__.get(self.attname)
        raw = model_instance.__dict__.get(source.attname, _MISSING)
        if raw is _MISSING:
            return current  # source deferred, so not changed since it was loaded
        if isinstance(raw, StoredCiphertext):
            if not raw._decrypted and current:
                return current  # loaded, never read, so unchanged
            raw = source.plaintext_of(model_instance, raw)
        value = blind_index(raw, kind=self.kind)
        model_instance.__dict__[self.attname] = value
        return value


class EncryptedJSONField(EncryptedFieldMixin, models.TextField):
    """A dict or list kept as encrypted JSON (e.g. the values a check read off a document).

    Empty containers are stored as empty: there is nothing personal in them.
    """

    description = _("JSON, encrypted at rest")

    def to_python(self, value: Any) -> Any:
        return value

    def to_plaintext(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)

    def from_plaintext(self, text: str) -> Any:
        return json.loads(text)
