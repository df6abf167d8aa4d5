"""Re-encryption of stored values under the newest field key (``rotate_encryption_keys``).

Rows are walked in primary-key order (keyset pagination). Each batch is read without
locks; only rows holding a value under an older key are then locked
(``select_for_update``), re-read and rewritten in their own transaction. The write is
also conditional on the old ciphertext still being there, so a value changed by the
running application in between is never overwritten (on databases without row locks too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, router, transaction

from .envelope import Binding, decrypt, encrypt
from .errors import DecryptionError
from .fields import EncryptedFieldMixin, StoredCiphertext
from .keys import get_keyring


@dataclass
class RotationResult:
    model: type[models.Model]
    total: int = 0
    scanned: int = 0
    rows_stale: int = 0
    rows_rotated: int = 0
    values_rotated: int = 0
    rows_changed_meanwhile: int = 0
    unreadable: list[str] = field(default_factory=list)


def encrypted_models() -> list[tuple[type[models.Model], list[EncryptedFieldMixin]]]:
    """Every installed concrete model with encrypted columns of its own."""
    found = []
    for model in apps.get_models():
        opts = model._meta
        if opts.proxy or not opts.managed:
            continue
        fields = [f for f in opts.local_concrete_fields if isinstance(f, EncryptedFieldMixin)]
        if fields:
            found.append((model, fields))
    return sorted(found, key=lambda item: item[0]._meta.label)


def _stale(value: object, current_kid: str) -> bool:
    return isinstance(value, StoredCiphertext) and value.kid != current_kid


def _reencrypt(
    model: type[models.Model], field: EncryptedFieldMixin, pk: object, token: str
) -> str:
    binding = Binding.of(label=model._meta.label, field=field.name, pk=pk)
    return encrypt(decrypt(token, binding=binding), binding=binding)


def model_rotate(
    *,
    model: type[models.Model],
    fields: list[EncryptedFieldMixin],
    batch_size: int = 500,
    dry_run: bool = False,
    on_batch: Callable[[RotationResult], None] | None = None,
) -> RotationResult:
    current_kid = get_keyring().current.kid
    attnames = [f.attname for f in fields]
    manager = model._base_manager
    database = router.db_for_write(model)
    result = RotationResult(model=model, total=manager.using(database).count())
    last_pk = None
    while True:
        page = manager.using(database).order_by("pk")
        if last_pk is not None:
            page = page.filter(pk__gt=last_pk)
        rows = list(page.values_list("pk", *attnames)[:batch_size])
        if not rows:
            break
        last_pk = rows[-1][0]
        result.scanned += len(rows)
        stale_pks = [row[0] for row in rows if any(_stale(v, current_kid) for v in row[1:])]
        result.rows_stale += len(stale_pks)
        if stale_pks and not dry_run:
            _rotate_rows(model, fields, stale_pks, database, current_kid, result)
        if on_batch is not None:
            on_batch(result)
    return result


def _rotate_rows(
    model: type[models.Model],
    fields: list[EncryptedFieldMixin],
    pks: list[object],
    database: str,
    current_kid: str,
    result: RotationResult,
) -> None:
    attnames = [f.attname for f in fields]
    manager = model._base_manager.using(database)
    with transaction.atomic(using=database):
        locked = (
            manager.select_for_update()
            .filter(pk__in=pks)
            .order_by("pk")
            .values_list("pk", *attnames)
        )
        for pk, *values in locked:
            changes: dict[str, StoredCiphertext] = {}
            unchanged: dict[str, StoredCiphertext] = {}
            for field, value in zip(fields, values, strict=True):
                if not _stale(value, current_kid):
                    continue
                try:
                    changes[field.attname] = StoredCiphertext(
                        _reencrypt(model, field, pk, value.token)
                    )
                except DecryptionError:
                    result.unreadable.append(f"{model._meta.label} {pk} {field.name}")
                    continue
                unchanged[field.attname] = value
            if not changes:
                continue
            # Write only if nobody replaced these values since we read them.
            written = manager.filter(pk=pk, **unchanged).update(**changes)
            if written:
                result.rows_rotated += 1
                result.values_rotated += len(changes)
            else:
                result.rows_changed_meanwhile += 1
