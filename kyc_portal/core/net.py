"""Where a request came from, without trusting headers a client can forge."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the address our own proxies recorded.

    With TRUSTED_PROXY_COUNT = n, the n-th address from the right of X-Forwarded-For was
    written by our outermost proxy; everything left of it is the client's to invent.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
