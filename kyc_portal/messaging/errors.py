"""What can go wrong when a message leaves: worth another try later, or never going to work.

Error messages name the failure (a status code, a time-out), never the recipient.
"""


class DeliveryError(Exception):
    """A message could not be handed to its carrier (SMS gateway, mail server)."""

    code = "delivery_failed"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class TemporaryDeliveryError(DeliveryError):
    """Try again later: a time-out, a busy or broken carrier. ``retry_after`` in seconds."""

    code = "temporary_failure"

    def __init__(
        self, message: str, *, code: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """Trying again cannot help: the carrier refused the message or the recipient."""

    code = "rejected"


class SmsTemporaryError(TemporaryDeliveryError):
    code = "sms_temporary_failure"


class SmsRejectedError(PermanentDeliveryError):
    code = "sms_rejected"


class EmailTemporaryError(TemporaryDeliveryError):
    code = "email_temporary_failure"


class EmailRejectedError(PermanentDeliveryError):
    code = "email_rejected"
