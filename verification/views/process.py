"""The process page for staff: the diagram drawn from the state machine, and each state's
meaning, responsible role and required materials."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from kyc_portal.accounts.roles import STAFF_ROLES, role_required
from verification.process import DiagramUnavailable, process_diagram_svg, process_states

# The SVG is a picture: nothing in it may run or load anything, even opened on its own.
DIAGRAM_CSP = "default-src 'none'"


@require_safe
@role_required(*STAFF_ROLES)
def process_overview(request: HttpRequest) -> HttpResponse:
    try:
        process_diagram_svg()
    except DiagramUnavailable:
        diagram_available = False
    else:
        diagram_available = True
    return render(
        request,
        "verification/process/overview.html",
        {
            "states": process_states(),
            "diagram_available": diagram_available,
            "language": translation.get_language(),
        },
    )


@require_safe
@role_required(*STAFF_ROLES)
def process_diagram(request: HttpRequest, language: str) -> HttpResponse:
    """The diagram in ``language`` (in the URL, so a browser never shows a cached picture
    in the language the user has just switched away from)."""
    if language not in dict(settings.LANGUAGES):
        raise Http404
    with translation.override(language):
        try:
            svg = process_diagram_svg()
        except DiagramUnavailable:
            raise Http404 from None
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Content-Security-Policy"] = DIAGRAM_CSP
    patch_cache_control(response, private=True, no_cache=True)
    return response
