"""Background checks: the reference file of known records, the people a case is about, and
matching one against the other.

The reference file (``settings.BACKGROUND_REFERENCE_FILE``, in the private ``var/``) is a
UTF-8 CSV written by ``manage.py import_background_records``. Columns:

``record_type``  ``court_judgement`` | ``tax_blacklist`` | ``credit_blacklist`` |
                 ``abnormal_operation`` (enterprises only)
``subject_type`` ``individual`` | ``enterprise``
``name``         the person's or the enterprise's name
``id_number``    resident ID, permit or passport number, or the unified social credit
                 code (optional)
``source``       who published the record (court, tax office, list name)
``date``         YYYY-MM-DD (optional)
``detail``       free text for the reviewer (optional)

Workers keep the parsed file in memory, reloaded when the file changes, and only what
matching needs: the keyed blind index of each identity number, the normalised name and
the record's type, source and date. The record's own name and detail are read again from
the file when it matched, for the reviewer.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import logging
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.enums import CustomerKind, DocumentType
from customers.identity import (
    validate_credit_code,
    validate_passport,
    validate_permanent_residence_id,
    validate_residence_permit,
    validate_resident_id,
    validate_travel_permit,
)
from kyc_portal.audit.services import audit_record
from kyc_portal.core.errors import DomainError
from kyc_portal.crypto.blind_index import blind_index
from kyc_portal.crypto.normalise import normalise_id_number
from verification.checks.base import CheckResult, ProviderError
from verification.enums import CheckOutcome

logger = logging.getLogger(__name__)


class BackgroundRecordType(models.TextChoices):
    COURT_JUDGEMENT = "court_judgement", gettext_lazy("Court judgement")
    TAX_BLACKLIST = "tax_blacklist", gettext_lazy("Tax blacklist")
    CREDIT_BLACKLIST = "credit_blacklist", gettext_lazy("Credit blacklist")
    ABNORMAL_OPERATION = "abnormal_operation", gettext_lazy("Abnormal operation list")


class PartyRole(models.TextChoices):
    CUSTOMER = "customer", gettext_lazy("Customer")
    LEGAL_REPRESENTATIVE = "legal_representative", gettext_lazy("Legal representative")
    BENEFICIAL_OWNER = "beneficial_owner", gettext_lazy("Beneficial owner")


# Result codes (``Check.summary``) of both background providers.
RECORD_FOUND = "record_found"  # fail: a record carries the identity number or credit code
POSSIBLE_MATCH = "possible_match"  # review: a record carries a name close to a party's
NO_RECORD = "no_record"  # pass

# Least name similarity (0-100, rapidfuzz token_sort_ratio on normalised names) that sends
# the case to a reviewer. Two- and three-character Chinese names must then be equal; longer
# names and enterprise names may differ by a character.
NAME_MATCH_THRESHOLD = 90

COLUMNS = ("record_type", "subject_type", "name", "id_number", "source", "date", "detail")
REQUIRED_COLUMNS = ("record_type", "subject_type", "name", "source")
NAME_MAX_LENGTH = 200
SOURCE_MAX_LENGTH = 100
DETAIL_MAX_LENGTH = 2000


# -- names -------------------------------------------------------------------------------

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SPACE_NEXT_TO_CJK = re.compile(rf"\s+(?=[{_CJK}])|(?<=[{_CJK}])\s+")
_PUNCTUATION = re.compile(r"[^\w\s]|_")
_CHINESE_LEGAL_FORM = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|集团公司|公司)$")
_LATIN_LEGAL_FORM = re.compile(
    r"\s*\b(?:co\s+ltd|company\s+limited|limited|ltd|incorporated|inc|"
    r"corporation|corp|llc|company|co)$"
)


def name_key(name: str, *, subject_type: str) -> str:
    """The form names are compared in: NFKC (full-width to half-width), case-folded,
    punctuation (middle dots, brackets) removed, no spaces around Chinese characters, and
    for enterprises without the legal form (有限公司, 有限责任公司, Co., Ltd.…).

    Traditional characters are not converted to simplified ones: OpenCC is not among the
    project's dependencies, so 張三 and 张三 compare as different names.
    """
    text = unicodedata.normalize("NFKC", name or "").casefold()
    text = _PUNCTUATION.sub(" ", text)
    text = _SPACE_NEXT_TO_CJK.sub("", text)
    text = " ".join(text.split())
    if subject_type == CustomerKind.ENTERPRISE:
        text = _CHINESE_LEGAL_FORM.sub("", text)
        text = _LATIN_LEGAL_FORM.sub("", text).strip()
    return text


# -- identity numbers --------------------------------------------------------------------


def reference_id_clean(value: str, *, subject_type: str) -> tuple[str, bool]:
    """A reference record's identity number, normalised, and whether it is a national
    number a subject has only one of (GB 11643 ID or permit number, credit code).

    Raises ValidationError when it is none of the numbers the subject type can have.
    """
    number = normalise_id_number(value)
    if subject_type == CustomerKind.ENTERPRISE:
        return validate_credit_code(number), True
    if len(number) == 18:
        # 18 characters is a GB 11643 number: report what is wrong with it as such.
        first_error = None
        for validate in (
            validate_resident_id,
            validate_residence_permit,
            validate_permanent_residence_id,
        ):
            try:
                return validate(number)[0], True
            except ValidationError as error:
                first_error = first_error or error
        raise first_error
    for validate in (
        validate_permanent_residence_id,
        validate_travel_permit,
        lambda value: validate_passport(value, nationality=""),
    ):
        try:
            cleaned = validate(number)
        except ValidationError:
            continue
        return (cleaned[0] if isinstance(cleaned, tuple) else cleaned), False
    raise ValidationError(
        _("This is not an ID card, permit or passport number."), code="id_number_invalid"
    )


# -- reading the reference file ----------------------------------------------------------


@dataclass(frozen=True)
class ReferenceRow:
    """One good row of the reference file, cleaned."""

    line: int
    record_type: str
    subject_type: str
    name: str
    id_number: str
    id_national: bool
    source: str
    date: str
    detail: str

    def as_csv(self) -> list[str]:
        return [getattr(self, column) for column in COLUMNS]


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


def reference_rows_read(text: str) -> tuple[list[ReferenceRow], list[RowError]]:
    """Every row of a reference CSV: the good ones cleaned, the others with their line
    number and what is wrong. A header without the required columns raises DomainError."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [column.strip().lower() for column in next(reader)]
    except StopIteration:
        raise DomainError(_("The file is empty."), code="reference_empty") from None
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise DomainError(
            _("The first line must name the columns; missing: %(columns)s.")
            % {"columns": ", ".join(missing)},
            code="reference_header",
        )
    positions = {column: header.index(column) for column in COLUMNS if column in header}
    rows: list[ReferenceRow] = []
    errors: list[RowError] = []
    line = reader.line_num
    for values in reader:
        start, line = line + 1, reader.line_num
        if not any(value.strip() for value in values):
            continue  # blank lines are not records
        if len(values) != len(header):
            errors.append(
                RowError(
                    start,
                    _("%(found)d fields where the header has %(expected)d.")
                    % {"found": len(values), "expected": len(header)},
                )
            )
            continue
        cells = {column: values[index].strip() for column, index in positions.items()}
        try:
            rows.append(_row_clean(start, cells))
        except ValidationError as error:
            errors.append(RowError(start, " ".join(error.messages)))
    return rows, errors


def _row_clean(line: int, cells: dict[str, str]) -> ReferenceRow:
    record_type, subject_type = cells["record_type"].lower(), cells["subject_type"].lower()
    if record_type not in BackgroundRecordType.values:
        raise ValidationError(
            _("Unknown record type %(value)r; use one of: %(choices)s.")
            % {"value": record_type[:40], "choices": ", ".join(BackgroundRecordType.values)}
        )
    if subject_type not in CustomerKind.values:
        raise ValidationError(
            _("Unknown subject type %(value)r; use individual or enterprise.")
            % {"value": subject_type[:40]}
        )
    if record_type == BackgroundRecordType.ABNORMAL_OPERATION and subject_type != (
        CustomerKind.ENTERPRISE
    ):
        raise ValidationError(_("Abnormal-operation lists name enterprises, not people."))
    name, source = cells["name"], cells["source"]
    if not name_key(name, subject_type=subject_type):
        raise ValidationError(_("The name is missing."))
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            _("The name is longer than %(max)d characters.") % {"max": NAME_MAX_LENGTH}
        )
    if not source:
        raise ValidationError(_("The source is missing."))
    if len(source) > SOURCE_MAX_LENGTH:
        raise ValidationError(
            _("The source is longer than %(max)d characters.") % {"max": SOURCE_MAX_LENGTH}
        )
    detail = cells.get("detail", "")
    if len(detail) > DETAIL_MAX_LENGTH:
        raise ValidationError(
            _("The detail is longer than %(max)d characters.") % {"max": DETAIL_MAX_LENGTH}
        )
    date = cells.get("date", "")
    if date:
        try:
            date = datetime.date.fromisoformat(date).isoformat()
        except ValueError:
            raise ValidationError(_("The date is not a date written YYYY-MM-DD.")) from None
    id_number, national = "", False
    if cells.get("id_number"):
        try:
            id_number, national = reference_id_clean(cells["id_number"], subject_type=subject_type)
        except ValidationError as error:
            raise ValidationError(
                _("Identity number: %(reason)s") % {"reason": " ".join(error.messages)}
            ) from None
    return ReferenceRow(
        line=line,
        record_type=record_type,
        subject_type=subject_type,
        name=name,
        id_number=id_number,
        id_national=national,
        source=source,
        date=date,
        detail=detail,
    )


def reference_file_write(*, rows: Iterable[ReferenceRow], path: Path) -> str:
    """Replace the reference file with ``rows`` in one step (readers see the old file or
    the new one, never half of it); readable by this user only. Returns its SHA-256."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(row.as_csv() for row in rows)
    content = buffer.getvalue().encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".background-", suffix=".csv")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True)
class ReferenceImport:
    imported: int
    errors: list[RowError]
    sha256: str


def reference_file_import(*, text: str, dry_run: bool = False) -> ReferenceImport:
    """Check a reference CSV and, unless ``dry_run``, make its good rows the reference file
    (audited with the counts and the file's SHA-256). Bad rows are reported, not kept; a
    file without one good row changes nothing (DomainError)."""
    rows, errors = reference_rows_read(text)
    if not rows:
        raise DomainError(
            _("The file has no good rows: the reference file was not changed."),
            code="reference_no_rows",
        )
    if dry_run:
        return ReferenceImport(imported=len(rows), errors=errors, sha256="")
    with transaction.atomic():
        digest = reference_file_write(rows=rows, path=_reference_path())
        audit_record(
            action="background.reference_imported",
            details={"records": len(rows), "rejected": len(errors), "sha256": digest},
        )
    return ReferenceImport(imported=len(rows), errors=errors, sha256=digest)


# -- the reference file in memory --------------------------------------------------------


@dataclass(frozen=True)
class ReferenceRecord:
    """What matching needs of one record: no name or number in clear."""

    line: int
    record_type: str
    subject_type: str
    id_index: str | None
    id_national: bool
    name_key: str
    source: str
    date: str


@dataclass
class ReferenceIndex:
    sha256: str
    records: list[ReferenceRecord]
    unreadable_lines: list[int]
    by_id: dict[str, list[ReferenceRecord]] = field(default_factory=dict)
    # Per subject type: the normalised names and, at the same positions, their records.
    names: dict[str, list[str]] = field(default_factory=dict)
    named: dict[str, list[ReferenceRecord]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for record in self.records:
            if record.id_index:
                self.by_id.setdefault(record.id_index, []).append(record)
            self.names.setdefault(record.subject_type, []).append(record.name_key)
            self.named.setdefault(record.subject_type, []).append(record)


_index: tuple[tuple, ReferenceIndex] | None = None
_index_lock = threading.Lock()


def _reference_path() -> Path:
    return Path(os.fspath(settings.BACKGROUND_REFERENCE_FILE))


def _read(path: Path) -> tuple[tuple, bytes]:
    try:
        with path.open("rb") as handle:
            status = os.fstat(handle.fileno())
            content = handle.read()
    except FileNotFoundError:
        raise ProviderError(
            "No background reference file: import one with "
            "`manage.py import_background_records <file.csv>`.",
            code="no_reference_file",
        ) from None
    return (str(path), status.st_ino, status.st_mtime_ns, status.st_size), content


def _rows(content: bytes) -> tuple[list[ReferenceRow], list[RowError]]:
    try:
        return reference_rows_read(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, DomainError) as error:
        raise ProviderError(
            f"The background reference file cannot be read ({type(error).__name__}); "
            "import it again with `manage.py import_background_records`.",
            code="reference_file_unreadable",
        ) from None


def reference_index() -> ReferenceIndex:
    """The reference file as matching needs it, parsed again only when the file changed."""
    global _index
    path = _reference_path()
    try:
        status = path.stat()
        signature = (str(path), status.st_ino, status.st_mtime_ns, status.st_size)
    except FileNotFoundError:
        signature = None
    with _index_lock:
        if _index is not None and _index[0] == signature:
            return _index[1]
        signature, content = _read(path)
        rows, errors = _rows(content)
        if errors:
            # Only line numbers: the rows hold names and identity numbers.
            logger.warning(
                "The background reference file has %d rows that cannot be read (lines %s)",
                len(errors),
                ", ".join(str(error.line) for error in errors[:20]),
            )
        index = ReferenceIndex(
            sha256=hashlib.sha256(content).hexdigest(),
            records=[
                ReferenceRecord(
                    line=row.line,
                    record_type=row.record_type,
                    subject_type=row.subject_type,
                    id_index=blind_index(row.id_number, kind="id_number"),
                    id_national=row.id_national,
                    name_key=name_key(row.name, subject_type=row.subject_type),
                    source=row.source,
                    date=row.date,
                )
                for row in rows
            ],
            unreadable_lines=[error.line for error in errors],
        )
        _index = (signature, index)
        return index


def reference_rows_at(*, index: ReferenceIndex, lines: set[int]) -> dict[int, ReferenceRow]:
    """The full rows at ``lines`` of the file ``index`` was built from; empty when the
    file has been replaced since (the match then shows without the record's own text)."""
    try:
        _signature, content = _read(_reference_path())
    except ProviderError:
        return {}
    if hashlib.sha256(content).hexdigest() != index.sha256:
        return {}
    return {row.line: row for row in _rows(content)[0] if row.line in lines}


# -- the people and enterprises a case is about ------------------------------------------

_NATIONAL_DOCUMENTS = {DocumentType.RESIDENT_ID, DocumentType.RESIDENCE_PERMIT}


@dataclass(frozen=True)
class Party:
    """A person or enterprise to look up, with the roles it has in the case."""

    roles: tuple[str, ...]
    subject_type: str
    name: str
    id_type: str
    id_number: str
    id_index: str | None
    id_national: bool

    @property
    def name_key(self) -> str:
        return name_key(self.name, subject_type=self.subject_type)


def _person(person, role: str) -> Party:
    number = normalise_id_number(person.document_number)
    national = person.document_type in _NATIONAL_DOCUMENTS or (
        person.document_type == DocumentType.PERMANENT_RESIDENCE_ID and len(number) == 18
    )
    return Party(
        roles=(role,),
        subject_type=CustomerKind.INDIVIDUAL,
        name=person.full_name,
        id_type=person.document_type,
        id_number=number,
        id_index=person.document_number_index,
        id_national=national,
    )


def case_parties(*, case) -> list[Party]:
    """Who a background check looks up: the individual; or the enterprise, its legal
    representative and its beneficial owners (one entry per person, with all their roles).
    """
    customer = case.customer
    if customer.kind == CustomerKind.INDIVIDUAL:
        return [_person(customer.individual, PartyRole.CUSTOMER)]
    enterprise = customer.enterprise
    parties = [
        Party(
            roles=(PartyRole.CUSTOMER,),
            subject_type=CustomerKind.ENTERPRISE,
            name=enterprise.legal_name,
            id_type="credit_code",
            id_number=normalise_id_number(enterprise.credit_code),
            id_index=enterprise.credit_code_index,
            id_national=True,
        )
    ]
    people: dict[str, Party] = {}
    representative = getattr(enterprise, "legal_representative", None)
    owners = [(owner, PartyRole.BENEFICIAL_OWNER) for owner in enterprise.beneficial_owners.all()]
    found = [(representative, PartyRole.LEGAL_REPRESENTATIVE)] if representative else []
    for person, role in found + owners:
        party = _person(person, role)
        key = party.id_index or f"{party.id_type}:{party.name_key}"
        known = people.get(key)
        people[key] = party if known is None else replace(known, roles=known.roles + party.roles)
    return parties + list(people.values())


# -- matching ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    party: Party
    record: ReferenceRecord
    on: str  # "id_number" or "name"
    score: float  # 0-100


def reference_match(*, parties: list[Party], index: ReferenceIndex) -> list[Match]:
    """Records about the parties: same identity number (exact, through the blind index),
    or a name at least NAME_MATCH_THRESHOLD similar. A name match is set aside when both
    sides carry a national number (GB 11643, credit code) and the numbers differ: that is
    a namesake, not the same subject."""
    try:
        from rapidfuzz import fuzz, process
    except ImportError as error:
        raise ProviderError(
            "Fuzzy name matching needs rapidfuzz (pip install rapidfuzz).", code="not_installed"
        ) from error
    matches: list[Match] = []
    for party in parties:
        same_number = [
            record
            for record in index.by_id.get(party.id_index or "", [])
            if record.subject_type == party.subject_type
        ]
        matches += [
            Match(party=party, record=record, on="id_number", score=100.0) for record in same_number
        ]
        exact = {record.line for record in same_number}
        key = party.name_key
        if len(key) < 2:
            continue
        similar = process.extract(
            key,
            index.names.get(party.subject_type, []),
            scorer=fuzz.token_sort_ratio,
            score_cutoff=NAME_MATCH_THRESHOLD,
            limit=None,
        )
        for _choice, score, position in similar:
            record = index.named[party.subject_type][position]
            if record.line in exact:
                continue
            if record.id_national and party.id_national and record.id_index != party.id_index:
                continue
            matches.append(Match(party=party, record=record, on="name", score=float(score)))
    return matches


def canonical_json(value: Any) -> bytes:
    """One byte string per value (sorted keys, no spaces): what the answer's hash covers."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def background_result(
    *, matches: list[Match], index: ReferenceIndex, details: dict[int, ReferenceRow]
) -> CheckResult:
    """The check's answer from the matches: ``record_found`` (fail) on an identity-number
    match, ``possible_match`` (review) on name matches only, ``no_record`` (pass)."""
    exact = [match for match in matches if match.on == "id_number"]
    found = exact or matches
    findings = {
        "matches": [
            {
                "roles": list(match.party.roles),
                "matched_on": match.on,
                "score": round(match.score, 1),
                "record_type": match.record.record_type,
                "source": match.record.source,
                "date": match.record.date,
                "line": match.record.line,
                "name": details[match.record.line].name if match.record.line in details else "",
                "detail": (
                    details[match.record.line].detail if match.record.line in details else ""
                ),
            }
            for match in matches
        ]
    }
    raw = canonical_json({"reference_sha256": index.sha256, **findings})
    if not found:
        return CheckResult(
            outcome=CheckOutcome.PASS,
            summary=NO_RECORD,
            params={"records": len(index.records)},
            raw=raw,
        )
    params = {
        "count": len(found),
        "record_types": sorted({match.record.record_type for match in found}),
        "sources": sorted({match.record.source for match in found}),
        "parties": sorted({role for match in found for role in match.party.roles}),
    }
    if exact:
        return CheckResult(
            outcome=CheckOutcome.FAIL,
            summary=RECORD_FOUND,
            score=1.0,
            params=params,
            findings=findings,
            raw=raw,
        )
    best = max(match.score for match in found) / 100
    return CheckResult(
        outcome=CheckOutcome.REVIEW,
        summary=POSSIBLE_MATCH,
        score=round(best, 3),
        params={**params, "score": round(best, 3)},
        findings=findings,
        raw=raw,
    )
