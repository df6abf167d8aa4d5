"""Pre-filling the store's paper application from a photo of the resident ID card front.

The photo gets the same content checks as an uploaded identity document (real type from
the bytes, size and pixel limits, decodable, re-encoded upright without metadata), but it
is never stored: the scanned paper form stays the evidence. The values read go back to
the page only, for staff to check against the card; nothing is kept until the normal form
is submitted, and the audit entry holds counts, never values.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from customers.enums import DocumentType, Gender
from kyc_portal.audit.services import audit_record
from kyc_portal.core.errors import DomainError
from verification.checks.ocr import DocumentReadingError, ProblemCode, read_id_card_front

# The image checks of a document upload, without the storing that follows them there.
from verification.documents import document_image_clean
from verification.models import DocumentKind

# Card field → registration field. The ethnicity is printed but not asked for.
FIELD_NAMES = {
    "name": "full_name",
    "sex": "gender",
    "birth_date": "birth_date",
    "id_number": "document_number",
    "address": "street",
}
_GENDERS = {"男": Gender.MALE, "女": Gender.FEMALE}
# The engine's codes when it cannot run at all (the [ai] extra missing, models broken).
_ENGINE_UNAVAILABLE = frozenset({"engine_missing", "engine_failed"})


class PrefillSummary:
    READ = "read"
    NOTHING_READ = "nothing_read"


@dataclass(frozen=True)
class PrefillResult:
    """The values for the entry form (registration field → value), which of them were
    read from the card (so staff check them), and the fields the card did not give."""

    summary: str
    values: dict[str, object] = field(default_factory=dict)
    read: tuple[str, ...] = ()
    unreadable: tuple[str, ...] = ()


def identity_prefill_from_scan(*, image_file, actor) -> PrefillResult:
    """Read the ID card front in ``image_file`` for the individual entry form.

    Raises ``DomainError`` (field ``file``) for a file refused by the document checks,
    and with code ``ocr_unavailable`` when this server cannot read scans.
    """
    image = document_image_clean(image_file, kind=DocumentKind.ID_CARD_FRONT)
    try:
        reading = read_id_card_front(image)
    except DocumentReadingError as error:
        if error.code in _ENGINE_UNAVAILABLE:
            raise DomainError(
                _("Reading scans is not available on this server. Type the fields from the card."),
                code="ocr_unavailable",
            ) from None
        raise DomainError(
            _("The image is damaged or incomplete and cannot be read. Upload it again."),
            code="corrupt",
            field="file",
        ) from None

    values: dict[str, object] = {}
    for card_field, form_field in FIELD_NAMES.items():
        value = getattr(reading, card_field)
        if card_field == "sex":
            value = _GENDERS.get(value)
        if value is not None:
            values[form_field] = value
    if any(problem.code == ProblemCode.NO_TEXT for problem in reading.problems):
        values = {}
    read = tuple(values)
    unreadable = tuple(name for name in FIELD_NAMES.values() if name not in values)
    audit_record(
        action="customer.prefill_read",
        actor=actor,
        details={"fields_read": len(read), "fields_asked": len(FIELD_NAMES)},
    )
    if not read:
        return PrefillResult(summary=PrefillSummary.NOTHING_READ, unreadable=unreadable)
    # The card is a mainland resident ID card: its holder's document and nationality.
    values.update(document_type=DocumentType.RESIDENT_ID, nationality="CN")
    return PrefillResult(
        summary=PrefillSummary.READ, values=values, read=read, unreadable=unreadable
    )
