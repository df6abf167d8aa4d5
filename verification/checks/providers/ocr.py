"""Document reading with the offline OCR engine (``verification.checks.ocr``, the [ai]
extra): read the case's identity images and compare each value with what was declared.

Outcomes (``summary``): ``match`` (pass) when every value read agrees; ``mismatch``,
``document_expired`` or ``mrz_check_failed`` (fail) — each blocks the fast track;
``unreadable`` (review) when a value the comparison needs could not be read;
``nothing_to_read`` (review) without an image it can read.

The values read are personal: they go to ``findings`` (encrypted) and never to logs;
``params`` name the fields and documents only.
"""

import datetime
import json
import time
from typing import Any, ClassVar

from django.utils import timezone

from customers.enums import CustomerKind, DocumentType
from verification.checks.base import CheckRequest, CheckResult, ProviderError
from verification.enums import CheckKind, CheckOutcome
from verification.models import Document, DocumentKind, DocumentStatus

# Each image kind and what compares on it: (field read, declared value getter, kind).
NAME, ADDRESS, IDENTIFIER, DATE = "name", "address", "identifier", "date"


def _engine():
    """The engine module with its models loaded (once per process)."""
    try:
        from verification.checks import ocr

        ocr.ocr_engine_load()
    except ImportError as error:
        raise ProviderError(
            "The OCR engine is not installed (pip install 'kyc-portal[ai]').",
            code="not_installed",
        ) from error
    return ocr


def _newest_images(case) -> dict[str, Document]:
    images: dict[str, Document] = {}
    documents = (
        Document.objects.filter(
            case=case,
            kind__in=[
                DocumentKind.ID_CARD_FRONT,
                DocumentKind.ID_CARD_BACK,
                DocumentKind.PASSPORT_PAGE,
                DocumentKind.BUSINESS_LICENCE,
            ],
        )
        .exclude(status=DocumentStatus.REJECTED)
        .order_by("-uploaded_at")
    )
    for document in documents:
        images.setdefault(document.kind, document)
    return images


def _bytes(document: Document) -> bytes:
    # A system read for the check, not a person looking: the audited view is for people.
    with document.file.open("rb") as stored:
        return stored.read()


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


class _Comparison:
    """Collects, per document, each value read next to whether it agrees."""

    def __init__(self, ocr) -> None:
        self.ocr = ocr
        self.findings: dict[str, dict[str, Any]] = {}
        self.mismatched: list[str] = []
        self.unreadable: list[str] = []
        self.problems: list[str] = []

    def compare(self, document: str, field: str, declared, read, kind: str) -> None:
        entry: dict[str, Any] = {"read": _as_text(read)}
        if read is None:
            self.unreadable.append(f"{document}.{field}")
            entry["match"] = None
        elif declared in (None, ""):
            entry["match"] = None  # nothing declared to compare with
        else:
            if kind == DATE:
                match = self.ocr.compare_date(declared, read)
            else:
                match = self.ocr.compare_text(
                    str(declared), str(read), kind=self.ocr.TextKind(kind)
                )
            entry.update(match=match.match, similarity=match.similarity)
            if not match.match:
                self.mismatched.append(f"{document}.{field}")
        self.findings.setdefault(document, {})[field] = entry


class RapidOcrProvider:
    kind: ClassVar[str] = CheckKind.DOCUMENT_READING
    name: ClassVar[str] = "rapidocr"
    version: ClassVar[str] = "rapidocr-onnxruntime-1.4/ppocr-v4"

    def load(self) -> float:
        """Load the OCR models now; the seconds it took."""
        started = time.perf_counter()
        _engine()
        return time.perf_counter() - started

    def run(self, request: CheckRequest) -> CheckResult:
        ocr = _engine()
        case = request.case
        images = _newest_images(case)
        if not images:
            return CheckResult(outcome=CheckOutcome.REVIEW, summary="nothing_to_read")
        today = timezone.localdate()
        comparison = _Comparison(ocr)
        expired: list[str] = []
        mrz_failed: list[str] = []
        try:
            if case.customer_kind == CustomerKind.ENTERPRISE:
                self._enterprise(ocr, case, images, comparison)
            else:
                expired, mrz_failed = self._individual(ocr, case, images, comparison, today)
        except ocr.DocumentReadingError as error:
            raise ProviderError(str(error), code=error.code) from error
        params = {
            "documents": sorted(images),
            "mismatched": comparison.mismatched,
            "unreadable": comparison.unreadable,
            "expired": expired,
            "mrz_failed": mrz_failed,
            "problems": comparison.problems,
        }
        raw = json.dumps(
            {"findings": comparison.findings, "params": params}, sort_keys=True, default=str
        ).encode()
        if mrz_failed:
            outcome, summary = CheckOutcome.FAIL, "mrz_check_failed"
        elif expired:
            outcome, summary = CheckOutcome.FAIL, "document_expired"
        elif comparison.mismatched:
            outcome, summary = CheckOutcome.FAIL, "mismatch"
        elif comparison.unreadable or comparison.problems:
            outcome, summary = CheckOutcome.REVIEW, "unreadable"
        else:
            outcome, summary = CheckOutcome.PASS, "match"
        return CheckResult(
            outcome=outcome,
            summary=summary,
            params=params,
            findings=comparison.findings,
            raw=raw,
        )

    def _individual(self, ocr, case, images, comparison, today) -> tuple[list[str], list[str]]:
        individual = case.customer.individual
        expired: list[str] = []
        mrz_failed: list[str] = []
        front = images.get(DocumentKind.ID_CARD_FRONT)
        if front is not None and individual.document_type == DocumentType.RESIDENT_ID:
            read = ocr.read_id_card_front(_bytes(front))
            comparison.problems += read.problem_codes() if read.problems else []
            compare = comparison.compare
            compare("id_card_front", "name", individual.full_name, read.name, NAME)
            compare(
                "id_card_front", "id_number", individual.document_number, read.id_number, IDENTIFIER
            )
            compare("id_card_front", "birth_date", individual.birth_date, read.birth_date, DATE)
            compare("id_card_front", "address", individual.full_address, read.address, ADDRESS)
        back = images.get(DocumentKind.ID_CARD_BACK)
        if back is not None and individual.document_type == DocumentType.RESIDENT_ID:
            read = ocr.read_id_card_back(_bytes(back), today=today)
            comparison.findings["id_card_back"] = {
                "issuing_authority": {"read": read.issuing_authority},
                "valid_until": {
                    "read": "long_term" if read.long_term else _as_text(read.valid_until)
                },
            }
            if read.expired:
                expired.append("id_card_back")
            elif read.expired is None:
                comparison.unreadable.append("id_card_back.valid_until")
        passport = images.get(DocumentKind.PASSPORT_PAGE)
        if passport is not None:
            read = ocr.read_passport_page(_bytes(passport), today=today)
            if read.mrz is None:
                comparison.unreadable.append("passport_page.mrz")
            else:
                failed = [name for name, ok in read.checks.items() if not ok]
                if failed:
                    mrz_failed.extend(f"passport_page.{name}" for name in failed)
                compare = comparison.compare
                compare(
                    "passport_page",
                    "document_number",
                    individual.document_number,
                    read.document_number,
                    IDENTIFIER,
                )
                compare("passport_page", "birth_date", individual.birth_date, read.birth_date, DATE)
                if read.expired:
                    expired.append("passport_page")
        return expired, mrz_failed

    def _enterprise(self, ocr, case, images, comparison) -> None:
        enterprise = case.customer.enterprise
        licence = images.get(DocumentKind.BUSINESS_LICENCE)
        if licence is None:
            return
        read = ocr.read_business_licence(_bytes(licence))
        comparison.compare("business_licence", "name", enterprise.legal_name, read.name, NAME)
        comparison.compare(
            "business_licence", "credit_code", enterprise.credit_code, read.credit_code, IDENTIFIER
        )
