"""Reading the audit trail: history panels and the integrity check."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .models import CHAIN_HEAD_PK, GENESIS_HASH, AuditChainHead, AuditEntry, AuditTarget, target_key

VERIFY_CHUNK_SIZE = 2000


def audit_entries_for(*, target: AuditTarget) -> QuerySet[AuditEntry]:
    """Everything recorded about one object (a customer, a case, a user), newest first."""
    target_type, target_id = target_key(target)
    return AuditEntry.objects.filter(target_type=target_type, target_id=target_id).order_by("-seq")


class AuditTrailBroken(Exception):
    """The first place where the chain does not hold. ``seq`` names the entry."""

    def __init__(self, *, seq: int, message: str) -> None:
        super().__init__(message)
        self.seq = seq
        self.message = message


def audit_trail_verify(*, chunk_size: int = VERIFY_CHUNK_SIZE) -> int:
    """Walk the chain in order and return how many entries are intact.

    Raises AuditTrailBroken at the first entry that was altered or removed. Memory stays
    constant: entries are streamed in chunks. The head is read first, so entries appended
    while the walk runs are simply not part of this check.
    """
    head = AuditChainHead.objects.filter(pk=CHAIN_HEAD_PK).first()
    if head is None:
        first = AuditEntry.objects.order_by("seq").first()
        if first is None:
            return 0
        raise AuditTrailBroken(
            seq=first.seq,
            message=_("the audit chain head was removed although entries exist"),
        )

    expected_seq = 1
    previous_hash = GENESIS_HASH
    previous: AuditEntry | None = None
    entries = AuditEntry.objects.filter(seq__lte=head.last_seq).order_by("seq")
    for entry in entries.iterator(chunk_size=chunk_size):
        if entry.seq != expected_seq:
            raise AuditTrailBroken(
                seq=expected_seq,
                message=_("entry seq=%(seq)s is missing / was removed") % {"seq": expected_seq},
            )
        if entry.compute_hash() != entry.hash:
            raise AuditTrailBroken(
                seq=entry.seq,
                message=_("entry seq=%(seq)s (id %(id)s) was altered")
                % {"seq": entry.seq, "id": entry.pk},
            )
        if entry.prev_hash != previous_hash:
            # This entry is intact, so the link behind it was rewritten: the previous
            # entry was replaced (hash recomputed) or entries were removed and renumbered.
            raise AuditTrailBroken(
                seq=entry.seq - 1,
                message=_(
                    "entry seq=%(seq)s is missing / was removed or replaced "
                    "(entry seq=%(next)s no longer links to it)"
                )
                % {"seq": entry.seq - 1, "next": entry.seq},
            )
        previous_hash = entry.hash
        previous = entry
        expected_seq += 1

    last_seq = previous.seq if previous is not None else 0
    if last_seq != head.last_seq:
        raise AuditTrailBroken(
            seq=last_seq + 1,
            message=_(
                "entry seq=%(seq)s is missing / was removed "
                "(the trail ends at seq=%(last)s, the chain head at seq=%(head)s)"
            )
            % {"seq": last_seq + 1, "last": last_seq, "head": head.last_seq},
        )
    if previous_hash != head.last_hash:
        raise AuditTrailBroken(
            seq=last_seq,
            message=_("entry seq=%(seq)s (id %(id)s) was altered")
            % {"seq": last_seq, "id": previous.pk if previous else "-"},
        )
    return last_seq
