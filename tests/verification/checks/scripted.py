"""A provider whose answers a test scripts: the framework's error handling is tested with
it (the real providers have their own tests)."""

from collections import deque
from typing import ClassVar

from verification.checks.base import CheckRequest, CheckResult
from verification.enums import CheckKind, CheckOutcome


class ScriptedProvider:
    kind: ClassVar[str] = CheckKind.BACKGROUND
    name: ClassVar[str] = "scripted"
    version: ClassVar[str] = "1"
    # Each run takes the next item: a CheckResult to return or an exception to raise.
    script: ClassVar[deque] = deque()
    requests: ClassVar[list[CheckRequest]] = []

    def run(self, request: CheckRequest) -> CheckResult:
        self.requests.append(request)
        step = self.script.popleft() if self.script else PASSED
        if isinstance(step, BaseException):
            raise step
        return step


PASSED = CheckResult(outcome=CheckOutcome.PASS, summary="no_record", raw=b'{"hits": 0}')
