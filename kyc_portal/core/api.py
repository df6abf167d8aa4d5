"""One JSON error shape for the whole API.

{"error": {"code": "validation_error", "message": "…",
           "fields": {"id_number": [{"code": "checksum", "message": "…"}]}}}
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {
            field: [{"code": item.code, "message": str(item)} for item in _flatten(errors)]
            for field, errors in detail.items()
        }
    return {
        "non_field_errors": [{"code": item.code, "message": str(item)} for item in _flatten(detail)]
    }


def _flatten(errors):
    if isinstance(errors, dict):
        for nested in errors.values():
            yield from _flatten(nested)
    elif isinstance(errors, list):
        for nested in errors:
            yield from _flatten(nested)
    else:
        yield errors


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "message": str(exc.message), "fields": {}}
        if exc.field:
            body["fields"] = {exc.field: [{"code": exc.code, "message": str(exc.message)}]}
        return Response({"error": body}, status=exc.status_code)
    if isinstance(exc, Http404):
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
