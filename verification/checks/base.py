"""What every check provider is: its interface, its answer, its errors, and the registry
that picks one per check kind from the settings.

A provider is a class with ``kind``, ``name`` and ``version`` and a ``run(request)`` method
returning a :class:`CheckResult`. It is built once per process (a model is loaded once per
worker, not per task). ``run`` raises :class:`ProviderTimeout` or :class:`ProviderError`
(``temporary=True`` when a retry may help); anything else it raises is a bug, and the check
ends in error with the case still safe. A provider that answers later (a vendor's webhook)
returns ``CheckResult.waiting(reference)``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from verification.enums import CheckOutcome

logger = logging.getLogger(__name__)


class ProviderError(Exception):
    """The provider could not give an answer. ``code`` is stable and shown to reviewers."""

    def __init__(self, message: str, *, code: str, temporary: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.temporary = temporary


class ProviderTimeout(ProviderError):
    def __init__(self, message: str = "The provider did not answer in time.") -> None:
        super().__init__(message, code="timeout", temporary=True)


@dataclass(frozen=True)
class CheckRequest:
    """What a provider gets: the check's id, its case, and the key to send to a vendor."""

    check_id: Any
    case: Any
    idempotency_key: str


@dataclass
class CheckResult:
    """A provider's answer.

    ``summary`` is a stable code (``"match"``, ``"no_face"``, ``"mismatch"``…) and
    ``params`` its non-personal details (counts, distances, field names, codes): both are
    stored in clear and shown to reviewers through ``verification.checks.explanations``.
    ``findings`` holds personal values (what was read off a document) and is encrypted.
    ``raw`` is the provider's raw answer: only its SHA-256 is kept.
    """

    outcome: str | None
    summary: str
    score: float | None = None
    params: dict[str, Any] = field(default_factory=dict)
    findings: dict[str, Any] = field(default_factory=dict)
    raw: bytes = b""
    vendor_reference: str = ""

    @classmethod
    def waiting(cls, reference: str, *, raw: bytes = b"") -> CheckResult:
        """The vendor took the request and will answer through its webhook."""
        return cls(outcome=None, summary="waiting", vendor_reference=reference, raw=raw)

    @property
    def is_waiting(self) -> bool:
        return self.outcome is None

    @property
    def response_sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest() if self.raw else ""

    def __post_init__(self) -> None:
        if self.outcome is not None and self.outcome not in CheckOutcome.values:
            raise ValueError(f"Unknown check outcome {self.outcome!r}")


class CheckProvider(Protocol):
    kind: ClassVar[str]
    name: ClassVar[str]
    version: ClassVar[str]

    def run(self, request: CheckRequest) -> CheckResult: ...


_providers: dict[str, CheckProvider] = {}
_providers_lock = threading.Lock()


def check_provider(kind: str) -> CheckProvider:
    """The provider configured for ``kind`` (``KYC_CHECK_PROVIDERS``), built once."""
    with _providers_lock:
        if kind not in _providers:
            path = settings.KYC_CHECK_PROVIDERS.get(kind)
            if not path:
                raise LookupError(f"No provider is configured for the check {kind!r}.")
            _providers[kind] = import_string(path)()
        return _providers[kind]


def check_providers_load() -> None:
    """Build every configured provider and let it load its model now (a worker process
    calls this when it starts). A provider whose extra is not installed is skipped: its
    checks will say so."""
    for kind in settings.KYC_CHECK_PROVIDERS:
        try:
            provider = check_provider(kind)
            load = getattr(provider, "load", None)
            if load is not None:
                seconds = load()
                logger.info("Loaded the %s model in %.1f s", kind, seconds or 0.0)
        except (ImportError, ProviderError) as error:
            logger.warning("The %s provider cannot load: %s", kind, error)


@receiver(setting_changed)
def _forget_providers(*, setting: str, **kwargs) -> None:
    if setting.startswith(("KYC_CHECK", "BACKGROUND_", "FACE_MATCH_")):
        with _providers_lock:
            _providers.clear()
