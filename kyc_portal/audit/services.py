"""Writing to the audit trail. Every write goes through ``audit_record``.

An append costs one locked read of the chain head, one insert and one update, inside the
caller's transaction: if the audited change rolls back, so does its entry. The head row
stays locked until that transaction ends, so record the entry as the last step of it.
"""

import ipaddress
import json
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from kyc_portal.core.net import client_ip

from .enums import AuditAction
from .models import CHAIN_HEAD_PK, GENESIS_HASH, AuditChainHead, AuditEntry, AuditTarget, target_key
from .personal_data import PersonalDataInAuditError, find_personal_data, looks_personal

__all__ = [
    "PersonalDataInAuditError",
    "audit_export",
    "audit_record",
    "audit_reveal",
    "audit_transition",
]

ACTION_MAX_LENGTH = 64
USER_AGENT_MAX_LENGTH = 200
DETAILS_MAX_CHARS = 2000
SYSTEM_LABEL = "system"
ANONYMOUS_LABEL = "anonymous"


class AuditChainError(RuntimeError):
    """The chain head is missing while entries exist: somebody removed it."""


def _clean_details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    if details is None:
        return {}
    if not isinstance(details, Mapping):
        raise TypeError("Audit details must be a mapping.")
    # A JSON round trip gives exactly what the database will hand back (tuples become
    # lists, keys become strings), so the hash computed now matches the stored row.
    serialised = json.dumps(details, sort_keys=True, allow_nan=False, ensure_ascii=False)
    if len(serialised) > DETAILS_MAX_CHARS:
        raise ValueError("Audit details are for short codes and counts, not documents.")
    cleaned = json.loads(serialised)
    problem = find_personal_data(cleaned)
    if problem:
        raise PersonalDataInAuditError(f"Audit details refused: {problem}.")
    return cleaned


def _request_ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    raw = client_ip(request)
    try:
        # One spelling per address, whatever the proxy wrote.
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return ""


def _request_user_agent(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH]


def _actor_label(actor: AbstractBaseUser | None, request: HttpRequest | None) -> str:
    if actor is None:
        return ANONYMOUS_LABEL if request is not None else SYSTEM_LABEL
    username = actor.get_username()
    # A customer may log in with a phone number or e-mail address: never copy those.
    if not username or looks_personal(username):
        return f"user:{actor.pk}"
    return username


def _resolve_actor(
    actor: AbstractBaseUser | None, request: HttpRequest | None
) -> AbstractBaseUser | None:
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is None or not actor.is_authenticated:
        return None
    return actor


def _lock_chain_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=CHAIN_HEAD_PK).first()
    if head is not None:
        return head
    # Migration 0002 creates the head; a test-database flush (TRUNCATE) removes it again.
    # Recreating it is only safe while the trail is empty.
    if AuditEntry.objects.exists():
        raise AuditChainError("The audit chain head is missing although entries exist.")
    AuditChainHead.objects.get_or_create(
        pk=CHAIN_HEAD_PK, defaults={"last_seq": 0, "last_hash": GENESIS_HASH}
    )
    return AuditChainHead.objects.select_for_update().get(pk=CHAIN_HEAD_PK)


def audit_record(
    *,
    action: str,
    actor: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
    target: AuditTarget = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry: who (actor, or the request's user), what, on what, from where.

    ``target`` is a model instance or a ``("app_label.model", id)`` pair. ``details``
    carries non-personal context only; personal-looking keys or values raise
    ``PersonalDataInAuditError`` before anything is written.
    """
    if not action or len(action) > ACTION_MAX_LENGTH:
        raise ValueError("An audit action is a short stable code such as 'auth.login'.")
    cleaned_details = _clean_details(details)
    target_type, target_id = target_key(target)
    if looks_personal(target_id):
        raise PersonalDataInAuditError("Audit target refused: its id looks like a personal value.")
    actor = _resolve_actor(actor, request)
    entry = AuditEntry(
        actor=actor,
        actor_label=_actor_label(actor, request),
        action=action,
        target_type=target_type,
        target_id=target_id,
        ip=_request_ip(request),
        user_agent=_request_user_agent(request),
        details=cleaned_details,
    )
    # No savepoint: a failed append must fail the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        head = _lock_chain_head()
        entry.seq = head.last_seq + 1
        entry.prev_hash = head.last_hash
        # Taken under the lock, so timestamps follow the sequence.
        entry.timestamp = timezone.now()
        entry.hash = entry.compute_hash()
        entry.save(force_insert=True)
        AuditChainHead.objects.filter(pk=head.pk).update(last_seq=entry.seq, last_hash=entry.hash)
    return entry


def audit_reveal(
    *,
    actor: AbstractBaseUser,
    request: HttpRequest | None,
    target: AuditTarget,
    field: str,
) -> AuditEntry:
    """Somebody saw the full value of a masked field (the field's name, never its value)."""
    return audit_record(
        action=AuditAction.DATA_REVEAL,
        actor=actor,
        request=request,
        target=target,
        details={"field": field},
    )


def audit_export(
    *,
    actor: AbstractBaseUser,
    request: HttpRequest | None,
    what: str,
    row_count: int,
    export_format: str,
    target: AuditTarget = None,
) -> AuditEntry:
    """Somebody exported data: what kind ("customers.individual"), how many rows, format."""
    return audit_record(
        action=AuditAction.DATA_EXPORT,
        actor=actor,
        request=request,
        target=target,
        details={"what": what, "rows": row_count, "format": export_format},
    )


def audit_transition(
    *,
    actor: AbstractBaseUser | None,
    request: HttpRequest | None,
    target: AuditTarget,
    source: str,
    target_state: str,
    transition: str,
) -> AuditEntry:
    """A workflow moved ``target`` from ``source`` to ``target_state`` by ``transition``."""
    return audit_record(
        action=AuditAction.CASE_TRANSITION,
        actor=actor,
        request=request,
        target=target,
        details={"from": source, "to": target_state, "transition": transition},
    )
