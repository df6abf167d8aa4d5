"""The fast track: which rules a case must meet to be approved without a reviewer.

``fast_track_evaluate`` reads; ``verification.workflow.case_fast_track`` acts on the answer.
Each rule answers pass or fail with a sentence a reviewer understands, and the whole
answer (with the policy version) is recorded on the case.
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
    rule: str
    passed: bool
    explanation: str
    # Not passed yet, but may pass without anyone acting: an upload or a check to come.
    waiting: bool = False


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
                {"rule": o.rule, "passed": o.passed, "explanation": o.explanation}
                for o in self.outcomes
            ],
        }


def _identity_images_missing(case: Case) -> frozenset[str]:
    needed = IDENTITY_IMAGES.get(case.customer.individual.document_type, CARD_IMAGES)
    present = set(
        Document.objects.filter(case=case, kind__in=needed)
        .exclude(status=DocumentStatus.REJECTED)
        .values_list("kind", flat=True)
    )
    return needed - present


def _documents_problem(case: Case) -> str | None:
    documents = Document.objects.filter(case=case)
    if documents.filter(status=DocumentStatus.REJECTED).exists():
        return _("A reviewer rejected one of the documents.")
    if documents.filter(expiry_date__lt=timezone.localdate()).exists():
        return _("One of the documents has expired.")
    return None


def _kind_labels(kinds: list[str]) -> str:
    return ", ".join(str(CheckKind(kind).label) for kind in kinds)


def _checks_rule(case: Case) -> RuleOutcome:
    from verification.checks.services import case_checks_state

    problem = _documents_problem(case)
    if problem is not None:
        return RuleOutcome("checks_passed", False, problem)
    state = case_checks_state(case=case)
    if state.not_passed:
        return RuleOutcome(
            "checks_passed",
            False,
            _("Did not pass: %(checks)s.") % {"checks": _kind_labels(state.not_passed)},
        )
    if state.open:
        return RuleOutcome(
            "checks_passed",
            False,
            _("Waiting for: %(checks)s.") % {"checks": _kind_labels(state.open)},
            waiting=True,
        )
    return RuleOutcome(
        "checks_passed", True, _("Every required check passed and no document has expired.")
    )


def fast_track_evaluate(*, case: Case) -> FastTrackDecision:
    """Every rule of the policy in force, applied to ``case``."""
    from risk.selectors import case_risk_assessment

    policy = fast_track_policy()
    decision = FastTrackDecision(policy_version=policy.version)
    add = decision.outcomes.append

    add(
        RuleOutcome(
            "enabled",
            policy.enabled,
            _("The fast track is on.") if policy.enabled else _("The fast track is switched off."),
        )
    )
    if policy.individuals_only:
        individual = case.customer_kind == CustomerKind.INDIVIDUAL
        add(
            RuleOutcome(
                "individual",
                individual,
                _("The customer is an individual.")
                if individual
                else _("Enterprises always go to a reviewer."),
            )
        )
        if not individual:
            return decision
    if policy.require_low_risk:
        low = case.risk_level == RiskLevel.LOW
        add(
            RuleOutcome(
                "low_risk",
                low,
                _("The risk level is low.")
                if low
                else _("The risk level is %(level)s.") % {"level": case.get_risk_level_display()},
            )
        )
    assessment = case_risk_assessment(case=case)
    inconsistent = assessment is not None and assessment.has_factor("identity_inconsistent")
    add(
        RuleOutcome(
            "identity_consistent",
            not inconsistent,
            _("The identity number agrees with the declared data.")
            if not inconsistent
            else _("The identity number does not agree with the declared data."),
        )
    )
    if policy.require_confirmed_contact:
        confirmed = case.confirmed_at is not None
        add(
            RuleOutcome(
                "contact_confirmed",
                confirmed,
                _("The customer confirmed their details through the message we sent.")
                if confirmed
                else _("The customer has not confirmed their details."),
            )
        )
    if policy.require_identity_documents and case.customer_kind == CustomerKind.INDIVIDUAL:
        missing = _identity_images_missing(case)
        add(
            RuleOutcome(
                "identity_documents",
                not missing,
                _("The identity document images are uploaded.")
                if not missing
                else _("Missing: %(kinds)s.")
                % {"kinds": ", ".join(str(DocumentKind(kind).label) for kind in sorted(missing))},
                waiting=bool(missing),
            )
        )
    if policy.require_checks_passed:
        add(_checks_rule(case))
    if policy.require_no_duplicate_attempts:
        attempts = DuplicateIdentityAttempt.objects.filter(existing_customer=case.customer_id)
        clean = not attempts.exists()
        add(
            RuleOutcome(
                "no_duplicate_attempts",
                clean,
                _("Nobody else tried to register this identity.")
                if clean
                else _("Someone else tried to register this identity."),
            )
        )
    if policy.require_no_watchlist_hit:
        # Watch-list screening joins with the checks; until it is configured there is no
        # hit to find, and the reviewer is told so rather than shown a pass.
        add(
            RuleOutcome(
                "no_watchlist_hit",
                True,
                _("Watch-list screening is not configured, so it cannot have found a hit."),
            )
        )
    return decision
