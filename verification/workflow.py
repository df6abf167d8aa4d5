"""The one way a case changes state: lock, check, transition, save, audit.

Nothing else sets ``Case.state`` (the field is protected, and a test forbids bulk updates
of it).
Callers queue their follow-up work with ``transaction.on_commit``.
"""

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from kyc_portal.audit.services import audit_transition
from kyc_portal.core.errors import ConflictError, NotAllowedError
from verification.models import Case


def case_transition(
    *,
    case_id,
    transition: str,
    actor=None,
    request: HttpRequest | None = None,
    expected_state: str | None = None,
    **arguments,
) -> Case:
    """Apply ``transition`` to the case, or raise a DomainError saying why not.

    ``expected_state`` is the state the actor saw; if someone else moved the case in the
    meantime, the actor gets a conflict instead of acting on a case they did not see.
    """
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        source = case.state
        if expected_state is not None and source != expected_state:
            raise ConflictError(
                _("Someone else has just changed this case. Reload it to see its current state."),
                code="case_changed",
            )
        method = getattr(case, transition, None)
        if method is None or not hasattr(method, "_django_fsm"):
            raise ValueError(f"{transition!r} is not a transition of Case")
        if not can_proceed(method):
            raise ConflictError(
                _("This action is not possible while the case is in the state “%(state)s”.")
                % {"state": case.get_state_display()},
                code="transition_not_allowed",
            )
        if actor is not None and not has_transition_perm(method, actor):
            raise NotAllowedError(
                _("Your role does not allow this action on a case."), code="permission_denied"
            )
        method(at=timezone.now(), **arguments)
        case.last_changed_by = actor if actor is not None and actor.is_authenticated else None
        case.save()
        audit_transition(
            actor=case.last_changed_by,
            request=request,
            target=case,
            source=source,
            target_state=case.state,
            transition=transition,
        )
    return case
