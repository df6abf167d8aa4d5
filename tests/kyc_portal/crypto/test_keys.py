import base64
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from kyc_portal.crypto.keys import (
    get_keyring,
    parse_field_encryption_keys,
    validate_key_settings,
)
from tests.conftest import ROOT
from tests.kyc_portal.crypto.helpers import KEY_T1, KEY_T2, OTHER_SECRET

SHORT_SECRET = base64.b64encode(b"sixteen-byte-key").decode()
T1_SECRET = KEY_T1.split(":", 1)[1]


def test_the_first_key_encrypts_and_every_key_is_known():
    ring = parse_field_encryption_keys(f"{KEY_T2}, {KEY_T1}")

    assert ring.current.kid == "t2"
    assert ring.get("t1") is not None
    assert ring.get("t9") is None
    assert T1_SECRET not in repr(ring)


@pytest.mark.parametrize(
    ("field_keys", "blind_key", "variable", "explanation"),
    [
        ([], OTHER_SECRET, "FIELD_ENCRYPTION_KEYS", "empty"),
        ([T1_SECRET], OTHER_SECRET, "FIELD_ENCRYPTION_KEYS", "kid:base64"),
        ([f"bad id:{T1_SECRET}"], OTHER_SECRET, "FIELD_ENCRYPTION_KEYS", "key id"),
        (["t1:not base64!"], OTHER_SECRET, "FIELD_ENCRYPTION_KEYS", "not valid base64"),
        ([f"t1:{SHORT_SECRET}"], OTHER_SECRET, "FIELD_ENCRYPTION_KEYS", "16 bytes"),
        ([KEY_T1, f"t1:{OTHER_SECRET}"], T1_SECRET, "FIELD_ENCRYPTION_KEYS", "more than once"),
        ([KEY_T1, f"t2:{T1_SECRET}"], OTHER_SECRET, "FIELD_ENCRYPTION_KEYS", "repeats"),
        ([KEY_T1], "", "BLIND_INDEX_KEY", "empty"),
        ([KEY_T1], "%%%", "BLIND_INDEX_KEY", "not valid base64"),
        ([KEY_T1], SHORT_SECRET, "BLIND_INDEX_KEY", "16 bytes"),
        ([KEY_T2, KEY_T1], T1_SECRET, "BLIND_INDEX_KEY", "separate key"),
    ],
)
def test_bad_key_settings_name_the_variable(field_keys, blind_key, variable, explanation):
    with pytest.raises(ImproperlyConfigured) as caught:
        validate_key_settings(field_encryption_keys=field_keys, blind_index_key=blind_key)

    message = str(caught.value)
    assert message.startswith(variable)
    assert explanation in message
    assert T1_SECRET not in message and OTHER_SECRET not in message


def test_keys_read_from_settings_are_checked_on_first_use():
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[f"t1:{SHORT_SECRET}"]),
        pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"),
    ):
        get_keyring()
    assert get_keyring().current.kid == "t2"


def test_manage_py_stops_with_the_message_and_no_traceback():
    environment = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "kyc_portal.settings.test",
        "FIELD_ENCRYPTION_KEYS": f"t1:{SHORT_SECRET}",
        "BLIND_INDEX_KEY": OTHER_SECRET,
    }

    finished = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert finished.returncode == 2
    assert "Configuration error: FIELD_ENCRYPTION_KEYS entry 1 (key id 't1')" in finished.stderr
    assert "Traceback" not in finished.stderr
