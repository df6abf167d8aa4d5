"""Background check against the imported reference file of known records (court
judgements, tax and credit blacklists, abnormal-operation lists); works offline.

Outcomes (``summary``): ``record_found`` (fail) when a record carries the identity number
or credit code of the customer, its legal representative or a beneficial owner;
``possible_match`` (review) when only a name is close enough; ``no_record`` (pass).
``params`` give counts, record types, sources and roles; the records themselves (names,
detail) go to ``findings``, encrypted.
"""

from typing import ClassVar

from verification.checks.background import (
    background_result,
    case_parties,
    reference_index,
    reference_match,
    reference_rows_at,
)
from verification.checks.base import CheckRequest, CheckResult
from verification.enums import CheckKind


class ReferenceFileProvider:
    kind: ClassVar[str] = CheckKind.BACKGROUND
    name: ClassVar[str] = "reference_file"
    version: ClassVar[str] = "1"

    def run(self, request: CheckRequest) -> CheckResult:
        index = reference_index()
        matches = reference_match(parties=case_parties(case=request.case), index=index)
        details = (
            reference_rows_at(index=index, lines={match.record.line for match in matches})
            if matches
            else {}
        )
        return background_result(matches=matches, index=index, details=details)
