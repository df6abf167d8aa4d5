"""Biometric verification in store: staff compare the customer's fingerprint or face on
their own device, with the customer in front of them, and record the result.

The provider does nothing by itself: the check waits until a member of staff of the
case's store records what the device said (``verification.checks.biometrics
.in_store_biometric_record``), and that answer enters the case like any provider's.
"""

from typing import ClassVar

from verification.checks.base import CheckRequest, CheckResult
from verification.enums import CheckKind


class InStoreBiometricProvider:
    kind: ClassVar[str] = CheckKind.IN_PERSON_BIOMETRIC
    name: ClassVar[str] = "in_store"
    version: ClassVar[str] = "1"

    def run(self, request: CheckRequest) -> CheckResult:
        return CheckResult.waiting("")
