"""The environment reader shared by every settings module.

A variable that is missing or malformed stops start-up with ImproperlyConfigured naming
it; ``manage.py`` and the WSGI entry point print that message without a traceback.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A developer's .env (made by `make .env`) fills in what the shell does not set.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def env_choice(name: str, *, choices: tuple[str, ...], default: str) -> str:
    value = env.str(name, default=default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not understood; use one of: {', '.join(choices)}."
        )
    return value
