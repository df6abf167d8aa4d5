"""Two reviewers at the same moment, on PostgreSQL (SQLite serialises writers)."""

import threading

import pytest
from django.db import connection

from kyc_portal.accounts.roles import Role
from kyc_portal.core.errors import ConflictError
from tests.factories.accounts import UserFactory
from tests.factories.verification import case_in_review
from verification.enums import CaseState, RejectionReason
from verification.models import Case
from verification.services import case_claim_next
from verification.workflow import case_approve, case_reject


def _together(*actions) -> list:
    """Run the actions in threads released at once; their results or errors, in order."""
    barrier = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def run(index, action):
        barrier.wait()
        try:
            outcomes[index] = action()
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_deciding_one_case_one_wins_the_other_is_told(postgres_required):
    case = case_in_review()
    first, second = UserFactory(role=Role.REVIEWER), UserFactory(role=Role.REVIEWER)

    outcomes = _together(
        lambda: case_approve(
            case_id=case.pk, actor=first, expected_state=CaseState.DOCUMENT_REVIEW
        ),
        lambda: case_reject(
            case_id=case.pk,
            actor=second,
            reason=RejectionReason.DATA_MISMATCH,
            expected_state=CaseState.DOCUMENT_REVIEW,
        ),
    )

    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(errors) == 1, outcomes
    assert isinstance(errors[0], ConflictError) and errors[0].code == "case_changed"
    winner = next(outcome for outcome in outcomes if isinstance(outcome, Case))
    assert Case.objects.get(pk=case.pk).state == winner.state


@pytest.mark.django_db(transaction=True)
def test_reviewers_taking_the_next_case_together_never_share_one(postgres_required):
    cases = {case_in_review().pk for _ in range(3)}
    reviewers = [UserFactory(role=Role.REVIEWER) for _ in range(3)]

    outcomes = _together(*[lambda r=r: case_claim_next(reviewer=r) for r in reviewers])

    claimed = [outcome.pk for outcome in outcomes]
    assert sorted(map(str, claimed)) == sorted(map(str, cases))
    holders = set(Case.objects.values_list("assigned_to", flat=True))
    assert holders == {reviewer.pk for reviewer in reviewers}
