"""Keys for personal data at rest: field encryption keys (newest first) and the blind-index key.

FIELD_ENCRYPTION_KEYS="k2:<base64 32 bytes>,k1:<base64 32 bytes>" — values are written
with the first key and read with whichever key id they carry, so a new key can be put in
front while `manage.py rotate_encryption_keys` re-encrypts the old rows.
"""

from .env import env

FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS")
BLIND_INDEX_KEY = env.str("BLIND_INDEX_KEY")

# Checked at start-up so a bad key stops the process with a message naming the variable.
from kyc_portal.crypto.keys import validate_key_settings  # noqa: E402

validate_key_settings(field_encryption_keys=FIELD_ENCRYPTION_KEYS, blind_index_key=BLIND_INDEX_KEY)
