"""``manage.py import_background_records``: good rows become the reference file, bad rows
are listed with their line numbers and reasons, and a file that cannot be read changes
nothing."""

import csv
import io
import stat

import pytest
from django.core.management import CommandError, call_command

from kyc_portal.audit.models import AuditEntry
from tests.factories.customers import credit_code, resident_id
from verification.checks.background import COLUMNS, reference_index

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(tmp_path, settings):
    path = tmp_path / "var" / "background.csv"
    settings.BACKGROUND_REFERENCE_FILE = path
    return path


def _csv(rows, header=COLUMNS) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    return buffer.getvalue()


def _import(tmp_path, content, *args):
    source = tmp_path / "upload.csv"
    if isinstance(content, str):
        content = content.encode()
    source.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_background_records", str(source), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_good_rows_are_imported_and_bad_ones_reported_by_line(tmp_path, target):
    good_person = resident_id()
    code = credit_code()
    wrong_code = code[:-1] + ("0" if code[-1] != "0" else "1")
    rows = [
        ["court_judgement", "individual", "王小明", good_person, "某区人民法院", "2023-01-05", ""],
        ["tax_blacklist", "enterprise", "示例贸易有限公司", credit_code(), "税务局", "", ""],
        ["bankruptcy", "individual", "李四", "", "某法院", "", ""],  # line 4
        ["court_judgement", "individual", "赵六", "110105194912310021", "某法院", "", ""],  # 5
        ["court_judgement", "individual", "钱七", "", "某法院"],  # line 6: too few fields
        ["abnormal_operation", "individual", "孙八", "", "市场监管局", "", ""],  # line 7
        ["credit_blacklist", "enterprise", "某公司", wrong_code, "征信", "", ""],  # 8
        ["credit_blacklist", "individual", "周九", "", "", "", ""],  # line 9: no source
        ["credit_blacklist", "individual", "吴十", "", "征信", "05/01/2023", ""],  # line 10
        ["credit_blacklist", "individual", "Li Ming", "G12345678", "征信", "", ""],
    ]

    out, err = _import(tmp_path, _csv(rows))

    assert "3 records imported, 7 bad rows left out" in out
    lines = err.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "Line 4",
        "Line 5",
        "Line 6",
        "Line 7",
        "Line 8",
        "Line 9",
        "Line 10",
    ]
    assert "Unknown record type 'bankruptcy'" in lines[0]
    assert "check digit" in lines[1]
    assert "5 fields where the header has 7" in lines[2]
    assert "enterprises" in lines[3]
    assert "credit code" in lines[4]
    assert "source is missing" in lines[5]
    assert "YYYY-MM-DD" in lines[6]
    # The report names lines and reasons, never the numbers it refused.
    assert "110105194912310021" not in err

    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    written = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert written[0] == list(COLUMNS)
    assert [row[2] for row in written[1:]] == ["王小明", "示例贸易有限公司", "Li Ming"]
    index = reference_index()
    assert len(index.records) == 3 and index.unreadable_lines == []
    entry = AuditEntry.objects.get(action="background.reference_imported")
    assert entry.details["records"] == 3 and entry.details["rejected"] == 7


def test_a_header_without_the_required_columns_changes_nothing(tmp_path, target):
    target.parent.mkdir(parents=True)
    target.write_text("kept\n")
    with pytest.raises(CommandError, match="missing: subject_type, source"):
        _import(tmp_path, _csv([["court_judgement", "王小明"]], header=["record_type", "name"]))
    assert target.read_text() == "kept\n"


def test_optional_columns_may_be_left_out(tmp_path, target):
    header = ["name", "subject_type", "record_type", "source"]  # any order
    out, _err = _import(
        tmp_path, _csv([["王小明", "individual", "tax_blacklist", "税务局"]], header)
    )
    assert "1 records imported" in out
    assert reference_index().records[0].record_type == "tax_blacklist"


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf"])
def test_an_empty_file_changes_nothing(tmp_path, target, content):
    with pytest.raises(CommandError, match="empty"):
        _import(tmp_path, content)
    assert not target.exists()


def test_a_file_with_only_bad_rows_changes_nothing(tmp_path, target):
    with pytest.raises(CommandError, match="no good rows"):
        _import(tmp_path, _csv([["bankruptcy", "individual", "李四", "", "某法院", "", ""]]))
    assert not target.exists()
    with pytest.raises(CommandError, match="no good rows"):
        _import(tmp_path, _csv([]))


def test_a_gbk_file_is_refused_with_a_clear_message_then_read_with_its_encoding(tmp_path, target):
    content = _csv([["court_judgement", "individual", "王小明", "", "某区人民法院", "", ""]])

    with pytest.raises(CommandError, match=r"not utf-8 \(line 2\).*--encoding gb18030"):
        _import(tmp_path, content.encode("gbk"))
    assert not target.exists()

    out, _err = _import(tmp_path, content.encode("gbk"), "--encoding", "gb18030")
    assert "1 records imported" in out
    assert "王小明" in target.read_text(encoding="utf-8")


def test_a_utf8_file_with_a_byte_order_mark_is_read(tmp_path, target):
    content = _csv([["court_judgement", "individual", "王小明", "", "某区人民法院", "", ""]])
    out, _err = _import(tmp_path, "\ufeff" + content)
    assert "1 records imported" in out


def test_a_dry_run_only_reports(tmp_path, target):
    content = _csv([["court_judgement", "individual", "王小明", "", "某区人民法院", "", ""]])
    out, _err = _import(tmp_path, content, "--dry-run")
    assert "1 good rows, 0 bad rows; nothing changed" in out
    assert not target.exists()
    assert not AuditEntry.objects.filter(action="background.reference_imported").exists()


def test_a_missing_file_is_a_clear_error(tmp_path, target):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_background_records", str(tmp_path / "nope.csv"))
