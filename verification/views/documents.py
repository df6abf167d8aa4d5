"""Serving uploaded documents: only here, only to those allowed, and every look audited.

Someone who may not see a document gets the same 404 as for an id that does not exist.
"""

import logging
import uuid

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from verification.documents import DocumentVariant, document_open
from verification.selectors import document_get

logger = logging.getLogger(__name__)

# Nothing in a document response may run or load anything, even if a browser sniffs it.
DOCUMENT_CSP = "default-src 'none'; sandbox"


def _serve(request: HttpRequest, document_id: uuid.UUID, variant: str) -> FileResponse:
    document = document_get(user=request.user, document_id=document_id)
    if document is None:
        raise Http404
    try:
        stream = document_open(
            document=document, variant=variant, actor=request.user, request=request
        )
    except FileNotFoundError:
        if variant == DocumentVariant.ORIGINAL:
            logger.error("The file of document %s is missing from storage", document.pk)
        raise Http404 from None
    if variant == DocumentVariant.THUMBNAIL:
        response = FileResponse(stream, content_type="image/jpeg")
    else:
        # A PDF is never shown inside the portal: the browser saves it.
        response = FileResponse(
            stream,
            content_type=document.content_type,
            as_attachment=document.is_pdf,
            filename=document.download_name,
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOCUMENT_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    patch_cache_control(response, no_store=True, private=True)
    return response


@require_safe
@login_required
def document_file(request: HttpRequest, document_id: uuid.UUID) -> FileResponse:
    """The stored (re-encoded) image inline, or the PDF as a download."""
    return _serve(request, document_id, DocumentVariant.ORIGINAL)


@require_safe
@login_required
def document_thumbnail(request: HttpRequest, document_id: uuid.UUID) -> FileResponse:
    """The small JPEG made at upload (images only; a PDF has none: 404)."""
    return _serve(request, document_id, DocumentVariant.THUMBNAIL)
