"""Store staff: fill the individual paper application from a photo of the ID card front.

The photo is read and dropped; the entry page comes back with the values it gave marked
for checking, and staff save it through the normal form (so the same validation).
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.enums import CustomerKind
from customers.prefill import PrefillResult, PrefillSummary, identity_prefill_from_scan
from kyc_portal.accounts.roles import Role, role_required
from kyc_portal.core.errors import DomainError

from .store import PaperApplication, paper_form_render

IMAGE_FIELD = "id_card_front"


def _prefill(request: HttpRequest, application: PaperApplication, result: PrefillResult) -> None:
    fields = {name: field for form in application.parts for name, field in form.fields.items()}
    for form in application.parts:
        form.initial.update({name: v for name, v in result.values.items() if name in form.fields})
    for name in result.read:
        field = fields[name]
        mark = _("Read from the scan — check it against the card.")
        field.help_text = f"{mark} {field.help_text}" if field.help_text else mark
        field.widget.attrs["data-prefilled"] = "true"

    messages.success(
        request,
        _(
            "%(count)s of %(total)s fields were read from the ID card; the photo was not "
            "kept. Check each field marked “Read from the scan” against the card before saving."
        )
        % {"count": len(result.read), "total": len(result.read) + len(result.unreadable)},
    )
    if result.unreadable:
        names = get_text_list([str(fields[name].label) for name in result.unreadable], _("and"))
        messages.warning(
            request,
            _("Not read from the scan: %(fields)s. Type them from the card.") % {"fields": names},
        )
    if "street" in result.read:
        messages.warning(
            request,
            _(
                "The whole address on the card is in “Street address”: move the province, "
                "city and district into their own fields."
            ),
        )


def _read_scan(request: HttpRequest, application: PaperApplication) -> None:
    image = request.FILES.get(IMAGE_FIELD)
    if image is None:
        messages.error(request, _("Choose the photo of the front of the ID card first."))
        return
    try:
        result = identity_prefill_from_scan(image_file=image, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return
    if result.summary == PrefillSummary.NOTHING_READ:
        messages.error(
            request,
            _(
                "Nothing could be read from this photo: it may be blurred, too dark or not the "
                "front of a resident ID card. Take a sharper photo, or type the fields from the "
                "card."
            ),
        )
        return
    _prefill(request, application, result)


@role_required(Role.STORE_STAFF)
@require_POST
def paper_application_prefill(request: HttpRequest) -> HttpResponse:
    store = request.user.store
    application = PaperApplication(CustomerKind.INDIVIDUAL)
    if store is not None:  # without a store the page explains that entry is not possible
        _read_scan(request, application)
    return paper_form_render(request, application, store)
