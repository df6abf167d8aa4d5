"""The one domain error type. Services raise it; views and the API turn it into messages."""

from django.utils.functional import Promise


class DomainError(Exception):
    """A rule of the process was broken. ``code`` is stable and documented for API clients."""

    status_code = 400

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str,
        field: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.field = field
        if status_code is not None:
            self.status_code = status_code


class ConflictError(DomainError):
    """Somebody else changed the thing first (a concurrent transition, a claimed case)."""

    status_code = 409


class NotAllowedError(DomainError):
    status_code = 403
