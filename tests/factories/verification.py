"""Cases in the states tests need, made through the real services and workflow.

``case_in_review`` registers a customer, has them confirm, and so lets the workflow score
and route the case; ``risk_level`` then pins the level (and the path that follows from it)
so a test does not depend on the scoring policy's weights.
"""

from django.core.files.uploadedfile import SimpleUploadedFile

from customers.enums import Channel
from kyc_portal.accounts.roles import Role
from risk.enums import RiskLevel
from tests.factories.accounts import UserFactory
from tests.factories.customers import register_enterprise, register_individual
from tests.verification import corpus
from verification.checks.services import checks_request
from verification.documents import document_upload
from verification.enums import CaseState
from verification.models import Case, Document, DocumentKind
from verification.workflow import ROUTE_FOR_RISK, case_transition


def case_in_review(
    *,
    risk_level: str = RiskLevel.MEDIUM,
    enterprise: bool = False,
    channel: str = Channel.WEB,
    quality_sample: bool = False,
    **registration,
) -> Case:
    """A confirmed case waiting in the review queue at the given risk level."""
    register = register_enterprise if enterprise else register_individual
    customer = register(channel=channel, **registration)
    case = customer.cases.get()
    case = case_transition(
        case_id=case.pk,
        transition="confirm",
        expected_state=CaseState.AWAITING_CONFIRMATION,
    )
    Case.objects.filter(pk=case.pk).update(
        risk_level=risk_level,
        route=ROUTE_FOR_RISK[risk_level],
        quality_sample=quality_sample,
    )
    case.refresh_from_db()
    # The checks the pinned level asks for (the policy follows the level).
    checks_request(case=case)
    return case


def case_document(*, case: Case, kind: str = DocumentKind.ID_CARD_FRONT, actor=None) -> Document:
    """A small valid photo uploaded to ``case`` (use with the ``storage_dir`` fixture)."""
    upload = SimpleUploadedFile(f"{kind}.jpg", corpus.jpeg(), content_type="image/jpeg")
    return document_upload(
        customer=case.customer,
        kind=kind,
        uploaded_file=upload,
        actor=actor or UserFactory(role=Role.REVIEWER),
        case=case,
    )
