"""The fast track: which rules a case must meet to be approved without a reviewer.

``fast_track_evaluate`` reads; ``verification.workflow.case_fast_track`` acts on the answer.
Each rule answers pass or fail with codes (no personal data), recorded on the case with the
policy version; ``fast_track_rule_text`` turns them into a sentence in the reader's
language when they are shown.
"""

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from customers.enums import CustomerKind, DocumentType
from customers.models import DuplicateIdentityAttempt
from risk.enums import RiskLevel
from verification.enums import CheckKind
from verification.models import Case, Document, DocumentKind, DocumentStatus, FastTrackPolicy

# Images that show an individual's identity document, by document type.
IDENTITY_IMAGES = {
    DocumentType.PASSPORT: frozenset({DocumentKind.PASSPORT_PAGE}),
}
CARD_IMAGES = frozenset({DocumentKind.ID_CARD_FRONT, DocumentKind.ID_CARD_BACK})


def fast_track_policy() -> FastTrackPolicy:
    """The policy in force: the newest version (version 1 is made by a migration)."""
    policy = FastTrackPolicy.objects.order_by("-version").first()
    if policy is None:
        policy = FastTrackPolicy.objects.create(version=1)
    return policy


@dataclass(frozen=True)
class RuleOutcome:
    """One rule's answer. ``reason`` and ``params`` (codes only, nothing personal) make the
    sentence shown to a reviewer, in their language, when it is shown."""

    rule: str
    passed: bool
    reason: str = ""
    params: dict = field(default_factory=dict)
    # Not passed yet, but may pass without anyone acting: an upload or a check to come.
    waiting: bool = False

    @property
    def explanation(self) -> str:
        return fast_track_rule_text(
            {"rule": self.rule, "passed": self.passed, "reason": self.reason, **self.params}
        )


@dataclass
class FastTrackDecision:
    policy_version: int
    outcomes: list[RuleOutcome] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(outcome.passed for outcome in self.outcomes)

    @property
    def failed_rules(self) -> list[str]:
        return [outcome.rule for outcome in self.outcomes if not outcome.passed]

    @property
    def waiting(self) -> bool:
        """Every failed rule may still pass by itself (an upload, a check's answer)."""
        failed = [outcome for outcome in self.outcomes if not outcome.passed]
        return bool(failed) and all(outcome.waiting for outcome in failed)

    def as_record(self) -> dict:
        return {
            "policy_version": self.policy_version,
            "decided_at": timezone.now().isoformat(),
            "passed": self.passed,
            "rules": [
                {"rule": o.rule, "passed": o.passed, "reason": o.reason, **o.params}
                for o in self.outcomes
            ],
        }


def _labels(choices, codes) -> str:
    return ", ".join(str(choices(code).label) for code in codes)


def fast_track_rule_text(rule: dict) -> str:
    """The sentence for one recorded rule, in the active language."""
    name, passed, reason = rule["rule"], rule["passed"], rule.get("reason", "")
    if name == "enabled":
        return _("The fast track is on.") if passed else _("The fast track is switched off.")
    if name == "individual":
        return (
            _("The customer is an individual.")
            if passed
            else _("Enterprises always go to a reviewer.")
        )
    if name == "low_risk":
        if passed:
            return _("The risk level is low.")
        level = RiskLevel(rule["level"]).label if rule.get("level") else _("not scored")
        return _("Only low-risk cases take the fast track; this case is rated “%(level)s”.") % {
            "level": level
        }
    if name == "identity_consistent":
        return (
            _("The identity number agrees with the declared data.")
            if passed
            else _("The identity number does not agree with the declared data.")
        )
    if name == "contact_confirmed":
        return (
            _("The customer confirmed their details through the message we sent.")
            if passed
            else _("The customer has not confirmed their details.")
        )
    if name == "identity_documents":
        if passed:
            return _("The identity document images are uploaded.")
        return _("Missing: %(kinds)s.") % {"kinds": _labels(DocumentKind, rule["missing"])}
    if name == "checks_passed":
        if passed:
            return _("Every required check passed and no document has expired.")
        if reason == "document_rejected":
            return _("A reviewer rejected one of the documents.")
        if reason == "document_expired":
            return _("One of the documents has expired.")
        if reason == "checks_open":
            return _("Waiting for: %(checks)s.") % {"checks": _labels(CheckKind, rule["checks"])}
        return _("Did not pass: %(checks)s.") % {"checks": _labels(CheckKind, rule["checks"])}
    if name == "no_duplicate_attempts":
        return (
            _("Nobody else tried to register this identity.")
            if passed
            else _("Someone else tried to register this identity.")
        )
    if name == "no_watchlist_hit":
        return _("Watch-list screening is not configured, so it cannot have found a hit.")
    return name


def fast_track_rules_shown(record: dict | None) -> list[dict]:
    """The recorded rules with their sentences, for screens and the API."""
    return [
        {"rule": rule["rule"], "passed": rule["passed"], "explanation": fast_track_rule_text(rule)}
        for rule in (record or {}).get("rules", [])
    ]


def _identity_images_missing(case: Case) -> list[str]:
    needed = IDENTITY_IMAGES.get(case.customer.individual.document_type, CARD_IMAGES)
    present = set(
        Document.objects.filter(case=case, kind__in=needed)
        .exclude(status=DocumentStatus.REJECTED)
        .values_list("kind", flat=True)
    )
    return sorted(needed - present)


def _checks_rule(case: Case) -> RuleOutcome:
    from verification.checks.services import case_checks_state

    documents = Document.objects.filter(case=case)
    if documents.filter(status=DocumentStatus.REJECTED).exists():
        return RuleOutcome("checks_passed", False, "document_rejected")
    if documents.filter(expiry_date__lt=timezone.localdate()).exists():
        return RuleOutcome("checks_passed", False, "document_expired")
    state = case_checks_state(case=case)
    if state.not_passed:
        return RuleOutcome("checks_passed", False, "checks_failed", {"checks": state.not_passed})
    if state.open:
        return RuleOutcome(
            "checks_passed", False, "checks_open", {"checks": state.open}, waiting=True
        )
    return RuleOutcome("checks_passed", True)


def fast_track_evaluate(*, case: Case) -> FastTrackDecision:
    """Every rule of the policy in force, applied to ``case``."""
    from risk.selectors import case_risk_assessment

    policy = fast_track_policy()
    decision = FastTrackDecision(policy_version=policy.version)
    add = decision.outcomes.append

    add(RuleOutcome("enabled", policy.enabled))
    if policy.individuals_only:
        individual = case.customer_kind == CustomerKind.INDIVIDUAL
        add(RuleOutcome("individual", individual))
        if not individual:
            return decision
    if policy.require_low_risk:
        low = case.risk_level == RiskLevel.LOW
        add(RuleOutcome("low_risk", low, params={"level": case.risk_level}))
    assessment = case_risk_assessment(case=case)
    inconsistent = assessment is not None and assessment.has_factor("identity_inconsistent")
    add(RuleOutcome("identity_consistent", not inconsistent))
    if policy.require_confirmed_contact:
        add(RuleOutcome("contact_confirmed", case.confirmed_at is not None))
    if policy.require_identity_documents and case.customer_kind == CustomerKind.INDIVIDUAL:
        missing = _identity_images_missing(case)
        add(
            RuleOutcome(
                "identity_documents",
                not missing,
                params={"missing": missing},
                waiting=bool(missing),
            )
        )
    if policy.require_checks_passed:
        add(_checks_rule(case))
    if policy.require_no_duplicate_attempts:
        attempted = DuplicateIdentityAttempt.objects.filter(
            existing_customer=case.customer_id
        ).exists()
        add(RuleOutcome("no_duplicate_attempts", not attempted))
    if policy.require_no_watchlist_hit:
        # Watch-list screening joins with the checks; until it is configured there is no
        # hit to find, and the reviewer is told so rather than shown a pass.
        add(RuleOutcome("no_watchlist_hit", True))
    return decision
