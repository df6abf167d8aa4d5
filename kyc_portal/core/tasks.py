"""Tasks of the core app. `ping` proves a message goes through the broker to a worker."""

from celery import shared_task


@shared_task(bind=True, name="core.ping")
def ping(self) -> dict[str, str]:
    """Answer with the node name of the worker that ran it (`name@host`).

    An eager, in-process run reports only the machine's host name, so a caller can tell.
    """
    return {"pong": "pong", "hostname": self.request.hostname or ""}
