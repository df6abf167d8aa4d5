"""Every message has a Chinese translation, and the compiled catalogue matches the .po file."""

import ast
import gettext
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    fuzzy: bool = False
    obsolete: bool = False

    def __post_init__(self):
        self.msgstr: dict[int, str] = {}


def parse_po(text: str) -> list[Entry]:
    """A small .po reader: enough for Django's catalogues (no new dependency)."""
    entries, entry, field = [], Entry(), None
    for raw in [*text.splitlines(), ""]:
        line = raw.strip()
        if not line:
            if field is not None:
                entries.append(entry)
            entry, field = Entry(), None
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            entry.fuzzy = "fuzzy" in line
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            value = ast.literal_eval(line)
        else:
            keyword, _, rest = line.partition(" ")
            field, value = keyword, ast.literal_eval(rest)
            if field.startswith("msgstr"):
                index = int(field[7:-1]) if "[" in field else 0
                entry.msgstr[index] = ""
        if field == "msgid":
            entry.msgid += value
        elif field == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + value
        elif field == "msgctxt":
            entry.msgctxt = (entry.msgctxt or "") + value
        elif field and field.startswith("msgstr"):
            index = int(field[7:-1]) if "[" in field else 0
            entry.msgstr[index] += value
    return [entry for entry in entries if entry.msgid and not entry.obsolete]


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return parse_po(PO_FILE.read_text(encoding="utf-8"))


def test_the_catalogue_is_not_empty(entries):
    assert len(entries) > 50
    assert any(entry.msgid == "KYC Portal" for entry in entries)


def test_every_message_is_translated(entries):
    untranslated = [
        entry.msgid
        for entry in entries
        if entry.fuzzy or not entry.msgstr or not all(entry.msgstr.values())
    ]
    assert untranslated == [], "translate these in locale/zh_Hans/LC_MESSAGES/django.po"


def test_the_compiled_catalogue_is_up_to_date(entries):
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in entries:
        if entry.msgid_plural is not None:
            got = compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
        elif entry.msgctxt is not None:
            got = compiled.pgettext(entry.msgctxt, entry.msgid)
        else:
            got = compiled.gettext(entry.msgid)
        if got != entry.msgstr[0]:
            stale.append(entry.msgid)
    assert stale == [], "run `manage.py compilemessages --ignore=.venv`"


def test_the_parser_notices_a_missing_translation():
    sample = (
        'msgid ""\nmsgstr "header"\n\n'
        'msgid "Hello"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "A"\nmsgstr "甲"\n'
    )
    parsed = parse_po(sample)
    assert [(entry.msgid, entry.msgstr[0], entry.fuzzy) for entry in parsed] == [
        ("Hello", "", False),
        ("A", "甲", True),
    ]
