import functools

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_fsm.admin import FSMAdminMixin, FSMObjectTransition, FSMTransitionContext

from kyc_portal.audit.enums import AuditAction
from kyc_portal.audit.selectors import audit_entries_for
from kyc_portal.core.errors import DomainError
from verification import workflow
from verification.enums import CaseState, RejectionReason
from verification.models import (
    Case,
    CaseApproval,
    CaseAssignment,
    Document,
    DocumentKind,
    FastTrackPolicy,
    InformationRequest,
    SlaBreach,
    SlaTarget,
)
from verification.process import TRANSITION_GUIDE, process_steps

# How many audit entries the case page lists (newest first).
CASE_HISTORY_LIMIT = 100


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened: shown, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


# -- cases -------------------------------------------------------------------------------


class CaseRejectForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=RejectionReason.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the reason is “other”. The customer does not see it."),
    )
    expected_state = forms.CharField(widget=forms.HiddenInput)


class CaseInformationRequestForm(forms.Form):
    message = forms.CharField(
        label=_("What the customer must provide or correct"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    document_kinds = forms.MultipleChoiceField(
        label=_("Documents asked for"),
        choices=DocumentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    expected_state = forms.CharField(widget=forms.HiddenInput)


# The transitions the admin offers, each through the workflow function that checks who may
# take it (four eyes included), locks the case, audits and follows up. The others are the
# customer's or the portal's own steps.
CASE_ADMIN_ACTIONS = {
    "approve": workflow.case_approve,
    "reject": workflow.case_reject,
    "request_information": workflow.case_request_information,
    "start_biometric_check": functools.partial(workflow.case_send_to_check, check="biometric"),
    "start_background_check": functools.partial(workflow.case_send_to_check, check="background"),
}


class CaseApprovalInline(ReadOnlyInline):
    model = CaseApproval
    fields = ["approver", "role", "approved_at"]
    readonly_fields = fields


class CaseAssignmentInline(ReadOnlyInline):
    model = CaseAssignment
    fields = ["reviewer", "assigned_by", "started_at", "ended_at", "outcome", "seconds"]
    readonly_fields = fields


class InformationRequestInline(ReadOnlyInline):
    """The message itself stays on the review screen: a reviewer may quote personal data."""

    model = InformationRequest
    fields = ["requested_by", "requested_at", "document_kinds", "answered_at", "answered_by"]
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(FSMAdminMixin, admin.ModelAdmin):
    """Cases as records: nothing is edited here. The buttons under a case are the actions its
    state allows the signed-in user; each runs the workflow function a reviewer's click on
    the review screen runs, so the same checks, locks, audit and follow-ups apply. Notes and
    messages written by reviewers stay on the review screen (they may quote personal data)."""

    change_form_template = "admin/verification/case/change_form.html"
    fsm_fields = ["state"]
    fsm_forms = {
        "reject": CaseRejectForm,
        "request_information": CaseInformationRequestForm,
    }
    list_display = [
        "short_id",
        "state",
        "kind",
        "channel",
        "customer_kind",
        "risk_level",
        "route",
        "sla_due_at",
        "assigned_to",
    ]
    list_filter = [
        "state",
        "kind",
        "channel",
        "customer_kind",
        "risk_level",
        "route",
        "escalated",
        "quality_sample",
        ("sla_due_at", admin.DateFieldListFilter),
    ]
    search_fields = ["=id", "=customer__id", "=customer__customer_number"]
    ordering = ["-created_at"]
    show_full_result_count = False
    list_select_related = ["assigned_to"]
    fieldsets = [
        (None, {"fields": ["id", "customer", "kind", "state", "next_steps", "review_screen"]}),
        (
            _("Routing"),
            {
                "fields": [
                    "channel",
                    "customer_kind",
                    "store",
                    "risk_level",
                    "route",
                    "quality_sample",
                    "fast_track_rules",
                ]
            },
        ),
        (
            _("Review"),
            {
                "fields": [
                    "assigned_to",
                    "assigned_at",
                    "escalated",
                    "sla_due_at",
                    "sla_warned_at",
                    "sla_breached_at",
                    "review_seconds",
                    "editors",
                    "decision_reason",
                ]
            },
        ),
        (
            _("Dates"),
            {
                "fields": [
                    "submitted_at",
                    "confirmed_at",
                    "approved_at",
                    "closed_at",
                    "created_at",
                    "updated_at",
                    "last_changed_by",
                ]
            },
        ),
        (_("History"), {"fields": ["history"]}),
    ]
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]
    inlines = [CaseApprovalInline, CaseAssignmentInline, InformationRequestInline]

    @admin.display(description=_("case"), ordering="id")
    def short_id(self, case: Case) -> str:
        return str(case.pk)[:8]

    @admin.display(description=_("steps possible from this state"))
    def next_steps(self, case: Case) -> str:
        steps = [step for step in process_steps() if step.source == case.state]
        if not steps:
            return _("None: the case is closed.")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} → {}</li>",
                ((capfirst(step.guide.label), step.target.label) for step in steps),
            ),
        )

    @admin.display(description=_("review screen"))
    def review_screen(self, case: Case) -> str:
        url = reverse("verification:review-case", kwargs={"case_id": case.pk})
        return format_html('<a href="{}">{}</a>', url, _("Open the case on the review screen"))

    @admin.display(description=_("audit trail"))
    def history(self, case: Case) -> str:
        entries = list(audit_entries_for(target=case)[:CASE_HISTORY_LIMIT])
        if not entries:
            return _("Nothing recorded yet.")
        actions = dict(AuditAction.choices)
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("time"),
            _("actor"),
            _("action"),
            _("details"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        timezone.localtime(entry.timestamp).strftime("%Y-%m-%d %H:%M:%S"),
                        entry.actor_label,
                        actions.get(entry.action, entry.action),
                        _entry_details(entry.details),
                    )
                    for entry in entries
                ),
            ),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        return False

    # -- transitions -------------------------------------------------------------------

    @staticmethod
    def get_fsm_block_label(fsm_field_name: str) -> str:
        return str(_("Actions"))

    def is_fsm_transition_visible(self, transition) -> bool:
        return transition.name in CASE_ADMIN_ACTIONS

    def get_fsm_label(self, transition) -> str:
        return capfirst(TRANSITION_GUIDE[transition.name].label)

    def get_help_text(self, transition) -> str:
        return _("The case moves to “%(state)s”.") % {"state": CaseState(transition.target).label}

    def _get_fsm_extra_context(self, *, request: HttpRequest, obj: Case | None):
        """The actions the state and the user's role allow. Unlike django-fsm's default,
        conditions are not checked here: ``approve`` would never show (its condition
        counts the approval the click itself records), and the workflow says which
        condition is missing when an action is tried."""
        if obj is None:
            return
        field = Case._meta.get_field("state")
        allowed = [
            FSMTransitionContext(
                name=transition.name,
                label=self.get_fsm_label(transition),
                help_text=self.get_help_text(transition),
            )
            for transition in field.get_all_transitions(Case)
            if transition.source == obj.state
            and self.is_fsm_transition_visible(transition)
            and transition.has_perm(obj, request.user)
        ]
        if allowed:
            yield FSMObjectTransition(
                fsm_field="state",
                block_label=self.get_fsm_block_label("state"),
                available_transitions=allowed,
            )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "case_transitions_with_form": list(self.fsm_forms),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def fsm_transition_view(
        self, request: HttpRequest, object_id: str, transition_name: str, **kwargs
    ) -> HttpResponse:
        """Run one action through the workflow. Actions that need a reason or a message ask
        for it in a form first; the others are a button on the case page (POST only)."""
        case = self.get_object(request, object_id)
        if case is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, case):
            raise PermissionDenied
        if transition_name not in CASE_ADMIN_ACTIONS:
            raise Http404
        change_url = reverse("admin:verification_case_change", args=[case.pk])
        transition = self._get_fsm_transition_by_name(obj=case, transition_name=transition_name)
        form_class = self.get_fsm_transition_form(transition)
        if form_class is None:
            if request.method == "POST":
                self._case_act(
                    request,
                    case,
                    transition_name,
                    expected_state=request.POST.get("expected_state") or None,
                )
            return redirect(change_url)
        form = form_class(
            data=request.POST if request.method == "POST" else None,
            initial={"expected_state": request.GET.get("expected_state") or case.state},
        )
        if request.method == "POST" and form.is_valid():
            arguments = dict(form.cleaned_data)
            expected_state = arguments.pop("expected_state")
            try:
                self._case_act(request, case, transition_name, expected_state, **arguments)
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                return redirect(change_url)
        return render(
            request,
            self.fsm_transition_form_template,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": case,
                "transition": FSMTransitionContext(
                    name=transition_name,
                    label=self.get_fsm_label(transition),
                    help_text=self.get_help_text(transition),
                ),
                "transition_form": form,
            },
        )

    def _case_act(
        self,
        request: HttpRequest,
        case: Case,
        transition_name: str,
        expected_state: str | None,
        **arguments,
    ) -> None:
        """Run the action; a refusal is an error message, or the form's error when the
        action came from a form (raised again so the form keeps what was typed)."""
        action = CASE_ADMIN_ACTIONS[transition_name]
        label = capfirst(TRANSITION_GUIDE[transition_name].label)
        try:
            updated = action(
                case_id=case.pk,
                actor=request.user,
                request=request,
                expected_state=expected_state,
                **arguments,
            )
        except DomainError as error:
            if transition_name in self.fsm_forms:
                raise
            self.message_user(request, error.message, level=messages.ERROR)
            return
        if updated.state == case.state:
            # The first of two approvals: recorded, the case waits for the second.
            message = _("%(action)s: recorded. The case is still “%(state)s”.")
        else:
            message = _("%(action)s: done. The case is now “%(state)s”.")
        self.message_user(
            request,
            message % {"action": label, "state": CaseState(updated.state).label},
            level=messages.SUCCESS,
        )


def _entry_details(details: dict) -> str:
    """A transition as "from → to" in words; other details as short key: value pairs."""
    states = dict(CaseState.choices)
    if {"from", "to"} <= details.keys():
        source, target = details["from"], details["to"]
        return f"{states.get(source, source)} → {states.get(target, target)}"
    return ", ".join(f"{key}: {value}" for key, value in sorted(details.items()))


# -- policies ----------------------------------------------------------------------------


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin):
    list_display = ["route", "channel_or_all", "working_hours", "warn_before_hours"]
    list_filter = ["route", "channel"]
    ordering = ["route", "channel"]

    @admin.display(description=_("channel"), ordering="channel")
    def channel_or_all(self, target: SlaTarget) -> str:
        return target.get_channel_display() if target.channel else _("every channel")


@admin.register(FastTrackPolicy)
class FastTrackPolicyAdmin(admin.ModelAdmin):
    """Saving never changes a version: it adds the next one, which then applies. Cases
    record the version they were decided under, so every version is kept."""

    list_display = [
        "version",
        "enabled",
        "quality_sample_percent",
        "individuals_only",
        "require_low_risk",
        "created_at",
        "created_by",
    ]
    ordering = ["-version"]
    readonly_fields = ["version", "created_at", "created_by"]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: FastTrackPolicy, form, change: bool) -> None:
        obj.pk = None
        obj._state.adding = True
        obj.created_by = request.user
        # Two administrators saving at once would pick the same number: the unique
        # version refuses the second, which then takes the next one.
        for _attempt in range(3):
            obj.version = (FastTrackPolicy.objects.aggregate(last=Max("version"))["last"] or 0) + 1
            try:
                with transaction.atomic():
                    obj.save(force_insert=True)
            except IntegrityError:
                continue
            break
        else:
            raise IntegrityError("could not number the new fast-track policy version")
        self.message_user(
            request,
            _("Saved as version %(version)s, which now applies. Earlier versions are kept.")
            % {"version": obj.version},
            level=messages.INFO,
        )


# -- records -----------------------------------------------------------------------------


@admin.register(SlaBreach)
class SlaBreachAdmin(ReadOnlyAdmin):
    list_display = ["case", "due_at", "recorded_at", "state", "risk_level", "route", "channel"]
    list_filter = ["route", "channel", "risk_level", ("recorded_at", admin.DateFieldListFilter)]
    list_select_related = ["case"]
    search_fields = ["=case__id"]
    ordering = ["-recorded_at"]
    show_full_result_count = False


@admin.register(CaseAssignment)
class CaseAssignmentAdmin(ReadOnlyAdmin):
    list_display = [
        "case",
        "reviewer",
        "assigned_by",
        "started_at",
        "ended_at",
        "outcome",
        "seconds",
    ]
    list_filter = ["outcome", ("started_at", admin.DateFieldListFilter)]
    list_select_related = ["case", "reviewer", "assigned_by"]
    search_fields = ["=case__id"]
    ordering = ["-started_at"]
    show_full_result_count = False


@admin.register(CaseApproval)
class CaseApprovalAdmin(ReadOnlyAdmin):
    list_display = ["case", "approver", "role", "approved_at"]
    list_filter = ["role", ("approved_at", admin.DateFieldListFilter)]
    list_select_related = ["case", "approver"]
    search_fields = ["=case__id"]
    ordering = ["-approved_at"]
    show_full_result_count = False


@admin.register(InformationRequest)
class InformationRequestAdmin(ReadOnlyAdmin):
    """Without the message, as on the case page."""

    list_display = ["case", "requested_by", "requested_at", "answered_at"]
    list_filter = [("requested_at", admin.DateFieldListFilter)]
    list_select_related = ["case", "requested_by"]
    search_fields = ["=case__id"]
    fields = [
        "case",
        "requested_by",
        "requested_at",
        "document_kinds",
        "answered_at",
        "answered_by",
    ]
    readonly_fields = fields
    ordering = ["-requested_at"]
    show_full_result_count = False


# -- documents ---------------------------------------------------------------------------


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    """Read-only: documents are evidence. Files open through the audited document view,
    which lets in only those who may see documents (an administrator who is not also a
    reviewer or compliance officer gets its 404). The uploader's file name is left out
    here because it can itself be personal ("王小明身份证.jpg")."""

    list_display = ["__str__", "kind", "status", "customer", "channel", "uploaded_at", "preview"]
    list_filter = ["kind", "status", "channel", ("uploaded_at", admin.DateFieldListFilter)]
    search_fields = ["=id", "=customer__id", "=case__id", "=original_sha256"]
    date_hierarchy = "uploaded_at"
    ordering = ["-uploaded_at"]
    show_full_result_count = False
    list_select_related = ["customer"]
    fields = [
        "id",
        "customer",
        "case",
        "kind",
        "status",
        "reason_code",
        "review_note",
        "preview",
        "content_type",
        "width",
        "height",
        "page_count",
        "byte_size",
        "original_size",
        "original_sha256",
        "expiry_date",
        "channel",
        "uploaded_by",
        "uploaded_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def preview(self, document: Document) -> str:
        url = reverse("verification:document-file", kwargs={"document_id": document.pk})
        return format_html(
            '<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>',
            url,
            _("download") if document.is_pdf else _("open"),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Document | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Document | None = None) -> bool:
        return False
