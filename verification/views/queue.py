"""The review queue: cases waiting for a reviewer, soonest deadline first, and the
reviewer's own cases. Pages are read by keyset (``?after=<cursor>``): no total count."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kyc_portal.accounts.roles import role_required
from kyc_portal.accounts.selectors import store_list
from kyc_portal.core.errors import DomainError
from verification import services
from verification.forms import QueueFilterForm
from verification.selectors import QueueCursor, review_queue_page, reviewer_cases

from .review import REVIEW_PAGE_ROLES, case_rows, countdown_formats

PAGE_SIZE = 50
# A reviewer holds a handful of cases; the list stops here if a team lead overdoes it.
MY_CASES_LIMIT = 100


def _filter_form(request: HttpRequest, data) -> QueueFilterForm:
    return QueueFilterForm(data, stores=store_list(actor=request.user).order_by("name"))


def _queue_url(query_items: list[tuple[str, str]]) -> str:
    url = reverse("verification:review-queue")
    return f"{url}?{urlencode(query_items)}" if query_items else url


@role_required(*REVIEW_PAGE_ROLES)
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    filter_form = _filter_form(request, request.GET)
    query_items = filter_form.query_items()
    after = None
    if request.GET.get("after"):
        try:
            after = QueueCursor.decode(request.GET["after"])
        except DomainError as error:
            messages.error(request, error.message)
    page = review_queue_page(
        reviewer=request.user, filters=filter_form.filters(), after=after, size=PAGE_SIZE
    )
    mine = list(reviewer_cases(reviewer=request.user)[:MY_CASES_LIMIT])
    queue_rows, my_rows = case_rows(page.cases, mine)
    next_url = None
    if page.next_cursor is not None:
        next_url = _queue_url([*query_items, ("after", page.next_cursor.encode())])
    context = {
        "filter_form": filter_form,
        "query_items": query_items,
        "filtered": bool(query_items),
        "queue_rows": queue_rows,
        "my_rows": my_rows,
        "next_url": next_url,
        "first_url": _queue_url(query_items) if after is not None else None,
        "countdown_formats": countdown_formats(),
    }
    return render(request, "verification/review/queue.html", context)


@role_required(*REVIEW_PAGE_ROLES)
@require_POST
def review_claim_next(request: HttpRequest) -> HttpResponse:
    """Take the unclaimed case with the soonest deadline (among the filtered ones)."""
    filter_form = _filter_form(request, request.POST)
    try:
        case = services.case_claim_next(
            reviewer=request.user, filters=filter_form.filters(), request=request
        )
    except DomainError as error:
        messages.error(request, error.message)
        case = None
    else:
        if case is None:
            messages.info(request, _("No case is waiting that you may take with these filters."))
    if case is None:
        return redirect(_queue_url(filter_form.query_items()))
    messages.success(request, _("This case is yours now. Nobody else can take it."))
    return redirect("verification:review-case", case_id=case.pk)
