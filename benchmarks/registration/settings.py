"""Settings of the server the registration benchmark loads: production's, plus two changes.

* ``ROOT_URLCONF`` adds the bare baseline view and the benchmark's read-outs
  (benchmarks/registration/urls.py) to the portal's URLs.
* ``BENCH_PASSWORD_HASHER=fast`` puts Django's MD5 hasher first, as the test settings do,
  so that the time of everything but the hash shows; ``production`` (the default) keeps
  production's PBKDF2.

Everything else is production's, read from the environment the runner sets
(benchmarks/registration/server.py): DEBUG off, the same middleware, throttles,
connections kept open (DATABASE_CONN_MAX_AGE) and message outbox.
"""

from kyc_portal.settings.env import env_choice
from kyc_portal.settings.production import *  # noqa: F403

ROOT_URLCONF = "benchmarks.registration.urls"

if env_choice("BENCH_PASSWORD_HASHER", choices=("fast", "production"), default="production") == (
    "fast"
):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
