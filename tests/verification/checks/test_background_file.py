"""Background checks against the imported reference file: an identity number on a list
fails the check, a close name sends it to a reviewer, nothing passes it."""

import csv
import datetime
import io
import os

import pytest

from kyc_portal.audit.personal_data import find_personal_data
from risk.enums import RiskLevel
from tests.factories.customers import credit_code, resident_id
from tests.factories.verification import case_in_review
from verification.checks.background import name_key
from verification.checks.base import CheckRequest, ProviderError
from verification.checks.providers.reference_file import ReferenceFileProvider
from verification.checks.services import case_checks_state, check_run
from verification.enums import CheckKind, CheckOutcome, CheckStatus
from verification.models import Check

pytestmark = pytest.mark.django_db

PROVIDER = "verification.checks.providers.reference_file.ReferenceFileProvider"
SCRIPTED = "tests.verification.checks.scripted.ScriptedProvider"
HEADER = ["record_type", "subject_type", "name", "id_number", "source", "date", "detail"]


@pytest.fixture
def reference(tmp_path, settings):
    """``reference(rows)`` writes the reference file the provider reads (never var/)."""
    path = tmp_path / "background.csv"
    settings.BACKGROUND_REFERENCE_FILE = path
    # The other kinds are not under test here: the scripted provider stands in for them.
    settings.KYC_CHECK_PROVIDERS = {
        **{kind: SCRIPTED for kind in CheckKind.values},
        CheckKind.BACKGROUND: PROVIDER,
    }

    def write(rows: list[list[str]]) -> None:
        buffer = io.StringIO()
        csv.writer(buffer).writerows([HEADER, *rows])
        path.write_text(buffer.getvalue(), encoding="utf-8")
        # A later write in the same clock tick must still be seen as a new file.
        later = path.stat().st_mtime_ns + len(rows) * 1_000_000_000
        os.utime(path, ns=(later, later))

    write([["court_judgement", "individual", "赵六", resident_id(), "某市中级人民法院", "", ""]])
    return write


def _run(case):
    return ReferenceFileProvider().run(CheckRequest(check_id=None, case=case, idempotency_key="k"))


def _individual(**details):
    return case_in_review(risk_level=RiskLevel.HIGH, **details)


def test_an_identity_number_on_a_list_fails_the_check(reference):
    number = resident_id()
    reference(
        [
            [
                "court_judgement",
                "individual",
                "王晓明",  # another spelling: the number decides
                # Written with a space: numbers are compared normalised.
                f"{number[:6]} {number[6:]}",
                "上海市徐汇区人民法院",
                "2023-04-01",
                "(2023)沪0104执1234号 未履行",
            ]
        ]
    )

    result = _run(_individual(document_number=number))

    assert result.outcome == CheckOutcome.FAIL
    assert result.summary == "record_found"
    assert result.params == {
        "count": 1,
        "record_types": ["court_judgement"],
        "sources": ["上海市徐汇区人民法院"],
        "parties": ["customer"],
    }
    # Names and numbers stay out of the clear-text params; the reviewer reads them in the
    # encrypted findings.
    assert number not in str(result.params) and "王" not in str(result.params)
    assert find_personal_data(result.params) is None
    [match] = result.findings["matches"]
    assert match["matched_on"] == "id_number"
    assert match["detail"] == "(2023)沪0104执1234号 未履行" and match["name"] == "王晓明"
    assert result.raw and result.response_sha256


def test_a_close_name_without_a_number_goes_to_a_reviewer(reference):
    reference([["tax_blacklist", "enterprise", "上海示例物流有限责任公司", "", "税务局", "", ""]])
    case = case_in_review(enterprise=True, legal_name="上海市示例物流有限公司")

    result = _run(case)

    assert result.outcome == CheckOutcome.REVIEW
    assert result.summary == "possible_match"
    assert result.params["record_types"] == ["tax_blacklist"]
    assert 0.9 <= result.params["score"] < 1
    assert result.findings["matches"][0]["matched_on"] == "name"


def test_a_name_typed_in_full_width_with_spaces_matches(reference):
    reference([["credit_blacklist", "individual", "ＬＩ　ＭＩＮＧ", "", "征信中心", "", ""]])

    result = _run(
        _individual(
            full_name="Ming  Li",
            document_type="passport",
            nationality="GB",
            document_number="123456789",
        )
    )

    assert result.summary == "possible_match" and result.score == 1.0


def test_a_namesake_with_another_id_number_is_not_a_match(reference):
    reference([["court_judgement", "individual", "王小明", resident_id(), "某区人民法院", "", ""]])

    result = _run(_individual(full_name="王小明"))

    assert result.outcome == CheckOutcome.PASS and result.summary == "no_record"


def test_an_enterprise_is_caught_through_its_legal_representative(reference):
    representative = resident_id(birth_date=datetime.date(1970, 1, 1))
    reference(
        [
            [
                "court_judgement",
                "individual",
                "张三",
                representative,
                "北京市第一中级人民法院",
                "",
                "",
            ]
        ]
    )
    case = case_in_review(enterprise=True, representative_document_number=representative)

    result = _run(case)

    assert result.outcome == CheckOutcome.FAIL
    assert result.params["parties"] == ["legal_representative"]


def test_an_enterprise_is_caught_through_its_credit_code(reference):
    code = credit_code()
    reference(
        [["abnormal_operation", "enterprise", "别的名字有限公司", code, "市场监管局", "", ""]]
    )

    result = _run(case_in_review(enterprise=True, credit_code=code))

    assert result.summary == "record_found"
    assert result.params["record_types"] == ["abnormal_operation"]


def test_nobody_on_the_lists_passes(reference):
    reference(
        [
            ["court_judgement", "individual", "赵六", resident_id(), "某市中级人民法院", "", ""],
            [
                "tax_blacklist",
                "enterprise",
                "完全无关贸易有限公司",
                credit_code(),
                "税务局",
                "",
                "",
            ],
        ]
    )

    result = _run(case_in_review(enterprise=True))

    assert result.outcome == CheckOutcome.PASS
    assert result.summary == "no_record" and result.params == {"records": 2}
    assert result.findings == {}


def test_a_new_reference_file_is_read_without_restarting(reference):
    number = resident_id()
    case = _individual(document_number=number)
    assert _run(case).summary == "no_record"

    reference([["credit_blacklist", "individual", "王小明", number, "征信中心", "", ""]])

    assert _run(case).summary == "record_found"


def test_without_a_reference_file_the_check_fails_visibly(reference, settings, tmp_path):
    settings.BACKGROUND_REFERENCE_FILE = tmp_path / "missing.csv"
    with pytest.raises(ProviderError) as error:
        _run(case_in_review(enterprise=True))
    assert error.value.code == "no_reference_file" and not error.value.temporary


def test_names_are_compared_without_width_spaces_or_legal_form():
    assert name_key("王 小明", subject_type="individual") == "王小明"
    assert name_key("ＷＡＮＧ  Xiao-Ming", subject_type="individual") == "wang xiao ming"
    assert name_key("阿卜杜·热合曼", subject_type="individual") == "阿卜杜热合曼"
    for name in ("上海示例物流有限公司", "上海示例物流有限责任公司", "上海示例物流股份有限公司"):
        assert name_key(name, subject_type="enterprise") == "上海示例物流"
    assert name_key("Example Trading Co., Ltd.", subject_type="enterprise") == "example trading"


def test_an_enterprise_case_gets_its_background_check_run_end_to_end(
    reference, celery_eager, django_capture_on_commit_callbacks
):
    representative = resident_id(birth_date=datetime.date(1968, 8, 8))
    reference(
        [
            [
                "court_judgement",
                "individual",
                "张三",
                representative,
                "北京市第一中级人民法院",
                "",
                "",
            ]
        ]
    )

    with django_capture_on_commit_callbacks(execute=True):
        case = case_in_review(enterprise=True, representative_document_number=representative)

    check = Check.objects.get(case=case, kind=CheckKind.BACKGROUND)
    assert check.provider == "reference_file"
    assert check.status == CheckStatus.DONE and check.outcome == CheckOutcome.FAIL
    assert check.summary == "record_found" and check.response_sha256
    assert check.findings["matches"][0]["roles"] == ["legal_representative"]
    assert case_checks_state(case=case).not_passed == [CheckKind.BACKGROUND]


def test_a_missing_reference_file_fails_the_check_not_the_case(reference, settings, tmp_path):
    settings.BACKGROUND_REFERENCE_FILE = tmp_path / "missing.csv"
    check = Check.objects.get(case=case_in_review(enterprise=True), kind=CheckKind.BACKGROUND)

    done = check_run(check_id=check.pk).check

    assert done.status == CheckStatus.FAILED and done.summary == "no_reference_file"
