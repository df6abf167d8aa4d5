"""The append-only audit trail: who did what, when, from where — never personal values.

Each entry carries the hash of the previous one, so removing or editing an entry breaks
the chain and ``manage.py verify_audit_trail`` names it. Appends are serialised through
the single ``AuditChainHead`` row (see services.audit_record).
"""

import hashlib
import json
from datetime import UTC

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64
CHAIN_HEAD_PK = 1


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField(_("sequence number"), unique=True, editable=False)
    timestamp = models.DateTimeField(_("time"), editable=False)
    # PROTECT: nulling the actor would rewrite a hashed row (and the PostgreSQL trigger
    # refuses it). Accounts with a history are deactivated, not deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    # The actor as they were called at the time (usernames can change), or "system".
    actor_label = models.CharField(_("actor label"), max_length=150, editable=False)
    action = models.CharField(_("action"), max_length=64, editable=False)
    target_type = models.CharField(_("target type"), max_length=100, blank=True, editable=False)
    target_id = models.CharField(_("target id"), max_length=64, blank=True, editable=False)
    # Text, not inet: PostgreSQL would rewrite the address's spelling and break the hash.
    ip = models.CharField(_("IP address"), max_length=45, blank=True, editable=False)
    user_agent = models.CharField(_("user agent"), max_length=200, blank=True, editable=False)
    details = models.JSONField(_("details"), default=dict, blank=True, editable=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, editable=False)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["timestamp"], name="audit_timestamp_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.actor_label}"

    def save(self, *args, **kwargs) -> None:
        # Defence in depth for SQLite, which has no trigger: entries are written once.
        if not self._state.adding:
            raise RuntimeError("Audit entries are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit entries are append-only and cannot be deleted.")

    def canonical_bytes(self) -> bytes:
        """What the hash covers, serialised the same way on every database."""
        payload = {
            "seq": self.seq,
            "timestamp": self.timestamp.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": str(self.actor_id) if self.actor_id is not None else None,
            "actor_label": self.actor_label,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "ip": self.ip,
            "user_agent": self.user_agent,
            "details": self.details,
            "prev_hash": self.prev_hash,
        }
        return json.dumps(
            payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8")

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical_bytes()).hexdigest()


class AuditChainHead(models.Model):
    """The single row every append locks: the last sequence number and its hash."""

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self) -> str:
        return f"audit chain head at seq={self.last_seq}"


AuditTarget = models.Model | tuple[str, object] | None


def target_key(target: AuditTarget) -> tuple[str, str]:
    """("app_label.model", id) for a model instance or a pair; ("", "") for no target."""
    if target is None:
        return "", ""
    if isinstance(target, models.Model):
        if target.pk is None:
            raise ValueError("An audit target must be saved before it is audited.")
        return target._meta.label_lower, str(target.pk)
    target_type, target_id = target
    return str(target_type), str(target_id)
