"""Webhooks: outside services telling us about work they finished. No session, no CSRF
token: each request proves itself with a signature over its body."""

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kyc_portal.core.errors import DomainError
from verification.checks.providers.background_http import vendor_webhook_receive

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def background_vendor_webhook(request: HttpRequest) -> JsonResponse:
    """The background vendor's late answer (contract in docs/checks.md)."""
    try:
        check = vendor_webhook_receive(
            body=request.body,
            timestamp=request.headers.get("X-Timestamp", ""),
            signature=request.headers.get("X-Signature", ""),
        )
    except DomainError as error:
        if error.status_code == 401:
            logger.warning("Background webhook refused: %s", error.code)
        return JsonResponse({"error": error.code}, status=error.status_code)
    return JsonResponse({"status": check.status})
