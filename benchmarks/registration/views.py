"""What only the benchmark's server answers: the bare baseline and two read-outs.

``bare_registration`` is the floor the registration is compared with: the same request
body through the same server, middleware and database, turned into the same customer row
and individual row, with nothing else: no validation, no encryption or keyed index (the
plain values go into the columns), no login, consent, case, audit entry or message.
"""

import json
import time
import uuid

import redis
from django.conf import settings
from django.contrib.auth.hashers import get_hasher, make_password
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from customers.confirmation import SMS_KIND
from customers.enums import Channel, CustomerKind
from customers.models import Confirmation, Customer, Individual
from kyc_portal.celery import app as celery_app
from kyc_portal.crypto.fields import BlindIndexField
from kyc_portal.messaging.models import OutboxMessage, OutboxStatus

from .payloads import PASSWORD

_INDIVIDUAL_FIELDS = Individual._meta.concrete_fields
# Names from the model, quoted; the values go as parameters.
_INSERT_INDIVIDUAL = "INSERT INTO {table} ({columns}) VALUES ({values})".format(  # noqa: S608
    table=connection.ops.quote_name(Individual._meta.db_table),
    columns=", ".join(connection.ops.quote_name(field.column) for field in _INDIVIDUAL_FIELDS),
    values=", ".join(["%s"] * len(_INDIVIDUAL_FIELDS)),
)
MAX_HASH_SAMPLES = 20


def _individual_values(data: dict, customer: Customer) -> list:
    values = []
    for field in _INDIVIDUAL_FIELDS:
        if field.primary_key:
            values.append(uuid.uuid4().hex)
        elif field.name == "customer":
            values.append(customer.pk.hex)
        elif isinstance(field, BlindIndexField):
            # The plain value stands in for the keyed hash: unique where the hash is.
            values.append(data.get(field.source) or None)
        else:
            values.append(data.get(field.name, field.get_default() or ""))
    return values


@csrf_exempt
@require_POST
def bare_registration(request: HttpRequest) -> JsonResponse:
    data = json.loads(request.body)
    with transaction.atomic():
        customer = Customer.objects.create(
            kind=CustomerKind.INDIVIDUAL, channel=Channel.API, language="zh-hans"
        )
        with connection.cursor() as cursor:
            cursor.execute(_INSERT_INDIVIDUAL, _individual_values(data, customer))
    return JsonResponse({"customer_id": str(customer.pk)}, status=201)


def _broker_queue_length() -> int:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        return client.llen(celery_app.conf.task_default_queue)
    finally:
        client.close()


@require_GET
def counts(request: HttpRequest) -> JsonResponse:
    """Rows and queued tasks, for the runner to compare with the answers it got."""
    messages = OutboxMessage.objects.filter(kind=SMS_KIND)
    return JsonResponse(
        {
            "customers": Customer.objects.count(),
            "confirmations": Confirmation.objects.count(),
            "outbox_messages": messages.count(),
            "outbox_dispatched": messages.filter(status=OutboxStatus.DISPATCHED).count(),
            "broker_queue": _broker_queue_length(),
        }
    )


@require_GET
def hash_time(request: HttpRequest) -> JsonResponse:
    """Seconds each of ``samples`` hashes of a password takes with the configured hasher."""
    samples = max(1, min(int(request.GET.get("samples", "5")), MAX_HASH_SAMPLES))
    seconds = []
    for _ in range(samples):
        began = time.perf_counter()
        make_password(PASSWORD)
        seconds.append(time.perf_counter() - began)
    hasher = get_hasher()
    return JsonResponse(
        {
            "hasher": hasher.algorithm,
            "iterations": getattr(hasher, "iterations", None),
            "seconds": seconds,
        }
    )
