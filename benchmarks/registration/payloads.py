"""The registrations the load generator sends: each one a new, valid person and login.

Standard library and python-stdnum only: the benchmark runner never loads Django.
Identity numbers are built like tests/factories/customers.py does (GB 11643 with its
check digit); the serial spreads them over birth dates and sequence numbers, so one run
of the benchmark never sends the same person twice.
"""

import datetime
import json
from dataclasses import dataclass

from stdnum.cn import ric

REGISTRATION_PATH = "/api/v1/registrations/individual"
# Xuhui district, Shanghai: a region code GB 11643 knows.
REGION = "310104"
FIRST_BIRTH_DATE = datetime.date(1960, 1, 1)
SEQUENCES_PER_DAY = 1000
# Passes the password validators (length, not common, not numeric, unlike the username).
PASSWORD = "quiet-harbour-lantern-2024"  # noqa: S105  every benchmark login, on purpose


@dataclass(frozen=True)
class Request:
    path: str
    body: bytes
    headers: dict[str, str]


def person(serial: int) -> dict[str, str]:
    """The identity fields of person number ``serial``: number, birth date and gender agree."""
    birth_date = FIRST_BIRTH_DATE + datetime.timedelta(days=serial // SEQUENCES_PER_DAY)
    sequence = f"{serial % SEQUENCES_PER_DAY:03d}"
    first_17 = f"{REGION}{birth_date:%Y%m%d}{sequence}"
    return {
        "document_number": first_17 + ric.calc_check_digit(first_17 + "0"),
        "birth_date": birth_date.isoformat(),
        # The 17th digit is odd for men, even for women.
        "gender": "male" if int(sequence[-1]) % 2 else "female",
    }


def individual_registration(serial: int) -> dict:
    """The body of an app registration, as docs/api.md describes it.

    A mobile number and no e-mail address: the confirmation goes out as one SMS, so one
    registration queues exactly one outbox message.
    """
    return {
        "full_name": "王小明",
        "nationality": "CN",
        "document_type": "resident_id",
        **person(serial),
        "mobile": f"139{serial:08d}",
        "province": "上海市",
        "city": "上海市",
        "district": "徐汇区",
        "street": "漕溪北路 88 号 1201 室",
        "occupation": "工程师",
        "consent": True,
        "username": f"bench{serial:07d}",
        "password": PASSWORD,
    }


def _headers(serial: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Accept-Language": "zh-Hans",
        # As behind the production proxy: TLS ends there (so no redirect to https), and
        # each phone has its own address, so the per-address registration throttle
        # counts each client once instead of refusing the benchmark as one client.
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": f"10.{serial >> 16 & 255}.{serial >> 8 & 255}.{serial & 255}",
    }


def registration_requests(*, path: str, first_serial: int, count: int) -> list[Request]:
    """``count`` registrations for ``path``, built before the clock starts."""
    return [
        Request(
            path=path,
            body=json.dumps(individual_registration(serial), ensure_ascii=False).encode(),
            headers=_headers(serial),
        )
        for serial in range(first_serial, first_serial + count)
    ]
