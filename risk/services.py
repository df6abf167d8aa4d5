"""Writes: scoring a case, saving a new policy version."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from kyc_portal.audit.services import audit_record
from verification.models import Case

from .factors import FactorContext, factors_find
from .models import RiskAssessment, RiskPolicy
from .rules import rules_level
from .selectors import risk_policy_current


def case_risk_assess(*, case: Case) -> RiskAssessment:
    """Score ``case`` with the policy in force, store the assessment and audit it.

    Called by the case workflow inside the case's transaction; the workflow sets the
    case's risk level and review path from the result.
    """
    policy = risk_policy_current()
    customer = Customer.objects.select_related(
        "individual", "enterprise", "enterprise__legal_representative"
    ).get(pk=case.customer_id)
    context = FactorContext(
        customer=customer,
        channel=case.channel,
        rules=policy.rules,
        today=timezone.localdate(),
        case=case,
    )
    factors = factors_find(context)
    score = sum(factor["points"] for factor in factors)
    assessment = RiskAssessment.objects.create(
        case=case,
        policy=policy,
        score=score,
        level=rules_level(policy.rules, score),
        factors=factors,
    )
    audit_record(
        action="risk.assessed",
        target=case,
        details={
            "level": assessment.level,
            "score": score,
            "policy_version": policy.version,
            "factors": [factor["code"] for factor in factors],
        },
    )
    return assessment


def risk_policy_create(*, rules: Mapping[str, Any], actor=None, request=None) -> RiskPolicy:
    """Save ``rules`` as the next policy version; it applies from now on.

    Earlier versions stay as they are: assessments refer to them.
    """
    with transaction.atomic():
        # Locking the newest version makes two administrators saving at once take turns.
        latest = RiskPolicy.objects.select_for_update().order_by("-version").first()
        version = latest.version + 1 if latest is not None else 1
        policy = RiskPolicy(version=version, rules=dict(rules), created_by=actor)
        policy.full_clean()
        policy.save()
        audit_record(
            action="risk.policy_created",
            actor=actor,
            request=request,
            target=policy,
            details={"version": policy.version},
        )
    return policy
