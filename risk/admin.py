import json

from django import forms
from django.contrib import admin
from django.db.models import Max, Window
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from .models import RiskAssessment, RiskPolicy
from .selectors import risk_policy_current
from .services import risk_policy_create


class RulesField(forms.JSONField):
    """The rules as indented JSON, one setting a line, so they can be read and edited."""

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2, cls=self.encoder)


class RiskPolicyForm(forms.ModelForm):
    rules = RulesField(
        label=_("rules"),
        widget=forms.Textarea(attrs={"rows": 40, "cols": 80, "spellcheck": "false"}),
        help_text=_(
            "Saving creates a new version, which applies to every case scored from then on; "
            "earlier versions stay unchanged. Sections: “points” (points each factor adds; "
            "customer_type and channel per value), “thresholds” (the score from which a case "
            "is medium or high risk), “high_risk_jurisdictions” (ISO 3166 two-letter "
            "country codes), “age_bands” (young_below, elderly_from, in years), "
            "“recheck_months” (months to the next periodic re-check, per risk level). "
            "Remove a factor from “points” to switch it off."
        ),
    )

    class Meta:
        model = RiskPolicy
        fields = ["rules"]


@admin.register(RiskPolicy)
class RiskPolicyAdmin(admin.ModelAdmin):
    """Administrators change the scoring policy here; every save is a new version."""

    form = RiskPolicyForm
    list_display = ["__str__", "version", "created_at", "created_by", "in_force"]
    readonly_fields = ["version", "created_at", "created_by"]
    fields = ["version", "created_at", "created_by", "rules"]
    ordering = ["-version"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(newest=Window(Max("version")))

    @admin.display(description=_("in force"), boolean=True)
    def in_force(self, policy: RiskPolicy) -> bool:
        return policy.version == policy.newest

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        # A new version starts from the one in force.
        return {"rules": risk_policy_current().rules}

    def save_model(self, request: HttpRequest, obj: RiskPolicy, form, change: bool) -> None:
        created = risk_policy_create(
            rules=form.cleaned_data["rules"], actor=request.user, request=request
        )
        # The admin goes on with ``obj`` (message, change log, redirect): make it the new one.
        obj.pk, obj.version = created.pk, created.version
        obj.created_at, obj.created_by = created.created_at, created.created_by

    def has_delete_permission(self, request: HttpRequest, obj: RiskPolicy | None = None) -> bool:
        return False


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(admin.ModelAdmin):
    """Read-only: an assessment is the record of why a case took its path."""

    list_display = ["case", "level", "score", "policy_version", "created_at"]
    list_filter = ["level", "policy", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["=case__id"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    show_full_result_count = False
    list_select_related = ["policy", "case"]
    fields = ["case", "level", "score", "policy", "explanations", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("policy version"), ordering="policy__version")
    def policy_version(self, assessment: RiskAssessment) -> int:
        return assessment.policy.version

    @admin.display(description=_("factors"))
    def explanations(self, assessment: RiskAssessment) -> str:
        return format_html_join(
            "",
            "<p><strong>+{}</strong> {}</p>",
            ((factor.points, factor.explanation) for factor in assessment.factor_explanations()),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: RiskAssessment | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: RiskAssessment | None = None
    ) -> bool:
        return False
