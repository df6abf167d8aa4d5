"""Database: DATABASE_URL, or the embedded SQLite file when it is unset."""

from django.core.exceptions import ImproperlyConfigured

from .env import BASE_DIR, env

_SUPPORTED_ENGINES = ("django.db.backends.postgresql", "django.db.backends.sqlite3")

try:
    _default = env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
except Exception as error:  # django-environ raises bare errors for unknown schemes
    raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {error}") from None
if _default.get("ENGINE") not in _SUPPORTED_ENGINES:
    raise ImproperlyConfigured(
        "DATABASE_URL must point to PostgreSQL (postgres://…) or SQLite (sqlite:///…)."
    )
if _default["ENGINE"] == "django.db.backends.postgresql":
    _default.setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    _default["CONN_HEALTH_CHECKS"] = True
else:
    # Several request threads share one SQLite file in the embedded setup: take the write
    # lock when a transaction starts, so two writers wait for each other instead of failing.
    _default.setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
    (BASE_DIR / "var").mkdir(exist_ok=True)

DATABASES = {"default": _default}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
