"""Celery: a real broker when REDIS_URL is set, tasks run in-process when it is not."""

from .cache import REDIS_URL
from .env import env

_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_BROKER_URL = _BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or "cache+memory://")
# Without a broker, tasks run in-process (the embedded default).
CELERY_TASK_ALWAYS_EAGER = not _BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged only once it finished, so a worker that dies mid-task hands the
# message to another worker instead of losing it.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_RETRY_DELAY = 10
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis re-delivers an unacknowledged message after this many seconds; longer than
    # any task may run.
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
}
# Keep Django's LOGGING (and its personal-data masking filter) in the worker too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE: dict = {
    # Queues the outgoing messages the broker refused (it was down) or lost.
    "messaging-outbox-relay": {"task": "messaging.outbox_relay", "schedule": 30.0},
    # Fast-track decisions whose task was lost (broker down when the case was confirmed).
    "verification-fast-track-sweep": {"task": "verification.fast_track_sweep", "schedule": 60.0},
    # Checks whose task was lost.
    "verification-check-sweep": {"task": "verification.check_sweep", "schedule": 120.0},
    # Warns reviewers and team leads before review deadlines; records the deadlines missed.
    "verification-sla-watch": {
        "task": "verification.sla_watch",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
