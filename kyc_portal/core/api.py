"""One JSON error shape for the whole API.

{"error": {"code": "validation_error", "message": "…",
           "fields": {"id_number": [{"code": "checksum", "message": "…"}]}}}
"""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError


def _field_errors(detail) -> dict:
    """{field: [{"code", "message"}]}; nested errors get dotted names (owners.0.share)."""
    fields: dict[str, list] = {}
    _collect_field_errors(detail, "", fields)
    return fields


def _collect_field_errors(errors, path: str, fields: dict) -> None:
    if isinstance(errors, dict):
        for key, nested in errors.items():
            # A nested serializer's own errors (not a list, not an object) belong to it.
            if key == api_settings.NON_FIELD_ERRORS_KEY and path:
                _collect_field_errors(nested, path, fields)
            else:
                _collect_field_errors(nested, f"{path}.{key}" if path else str(key), fields)
    elif isinstance(errors, list) and any(isinstance(item, dict | list) for item in errors):
        for position, nested in enumerate(errors):
            _collect_field_errors(nested, f"{path}.{position}" if path else str(position), fields)
    else:
        items = errors if isinstance(errors, list) else [errors]
        fields.setdefault(path or api_settings.NON_FIELD_ERRORS_KEY, []).extend(
            {"code": getattr(item, "code", None) or "invalid", "message": str(item)}
            for item in items
        )


def _from_django_validation_error(error: DjangoValidationError) -> exceptions.ValidationError:
    """customers.validation raises Django's ValidationError; keep its codes and field names."""

    def details(error_list):
        return [
            ErrorDetail(
                str(item.message % item.params if item.params else item.message),
                code=item.code or "invalid",
            )
            for item in error_list
        ]

    if hasattr(error, "error_dict"):
        non_field = api_settings.NON_FIELD_ERRORS_KEY
        return exceptions.ValidationError(
            {
                non_field if field == NON_FIELD_ERRORS else field: details(items)
                for field, items in error.error_dict.items()
            }
        )
    return exceptions.ValidationError(details(error.error_list))


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "message": str(exc.message), "fields": {}}
        if exc.field:
            body["fields"] = {exc.field: [{"code": exc.code, "message": str(exc.message)}]}
        headers = {}
        # Rate-limited domain actions (e.g. resend_rate_limited) say when to try again.
        if getattr(exc, "retry_after", None):
            body["retry_after_seconds"] = exc.retry_after
            headers["Retry-After"] = str(exc.retry_after)
        return Response({"error": body}, status=exc.status_code, headers=headers)
    if isinstance(exc, DjangoValidationError):
        exc = _from_django_validation_error(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = {
            "code": "validation_error",
            "message": _("Some fields need your attention."),
            "fields": _field_errors(exc.detail),
        }
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        body = {
            "code": getattr(detail, "code", None) or "error",
            "message": str(detail),
            "fields": {},
        }
    response.data = {"error": body}
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS and "wait" in getattr(
        exc, "__dict__", {}
    ):
        body["retry_after_seconds"] = exc.wait
    return response
