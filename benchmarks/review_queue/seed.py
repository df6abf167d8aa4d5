"""A realistic case load for the review queue, written in bulk with COPY.

One customer per case, with its individual or enterprise profile; stores, their staff and
the reviewers are made once with the ORM. The mix (fractions below) has most cases in
review and the rest before or after it, about 30% of those in review held by a reviewer,
three channels, both customer types, three risk levels, 30 stores of very different sizes
and deadlines from the real working-hours calendar (``verification.sla.WorkingTime``):
cases confirmed in the evening or at the weekend share the next working morning as
their start, so many deadlines are equal to the microsecond, as they are in production.

Profiles: the full name, which the queue shows (masked), is encrypted for its own row, so
a page can decrypt it. The other encrypted values (document number, street, birth date,
mobile, e-mail) are one real ciphertext each, copied to every row: the same size as real
ones, but bound to another row, so they cannot be decrypted. Nothing in the queue reads
them. Customers who registered online have no login (``user``): nothing in review reads
it either.
"""

import datetime
import io
import json
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import connection, models
from django.utils import timezone

from customers.enums import Channel, CustomerKind, DocumentType, Gender
from customers.models import Customer, Enterprise, Individual
from kyc_portal.accounts.models import Store, User
from kyc_portal.accounts.roles import Role
from kyc_portal.accounts.services import user_set_role
from kyc_portal.crypto.envelope import encrypt
from risk.enums import RiskLevel
from verification.enums import REVIEW_STATES, CaseState, ReviewRoute
from verification.models import Case
from verification.sla import WorkingTime, sla_target_for

CHUNK = 20_000
STORES = 30
REVIEWERS = 24
CLIENTS = 4

# Where the cases are. In review: 65%; before it: 8%; after it: 27%.
STATES = (
    ("review", 0.65),
    (CaseState.AWAITING_CONFIRMATION, 0.08),
    (CaseState.NEEDS_MORE_INFORMATION, 0.05),
    (CaseState.REGISTERED, 0.15),
    (CaseState.REJECTED, 0.04),
    (CaseState.WITHDRAWN, 0.015),
    (CaseState.EXPIRED, 0.015),
)
CHANNELS = ((Channel.WEB, 0.45), (Channel.API, 0.25), (Channel.STORE, 0.30))
RISKS = ((RiskLevel.LOW, 0.30), (RiskLevel.MEDIUM, 0.50), (RiskLevel.HIGH, 0.20))
ENTERPRISE_SHARE = 0.15
ASSIGNED_SHARE = 0.30
ESCALATED_SHARE = 0.02
# A low-risk case in the queue was refused by the fast track, or is a quality sample.
QUALITY_SAMPLE_SHARE = 0.25
REVIEW_DAYS = 14  # cases in review were confirmed within these many days
HISTORY_DAYS = 120  # cases that left review were opened within these
ENHANCED_STATES = (
    (CaseState.DOCUMENT_REVIEW, 0.5),
    (CaseState.BIOMETRIC_CHECK, 0.2),
    (CaseState.BACKGROUND_CHECK, 0.3),
)
FAST_TRACK_REFUSED = {
    "policy_version": 1,
    "passed": False,
    "rules": [
        {"rule": "enabled", "passed": True, "explanation": "The fast track is on."},
        {"rule": "low_risk", "passed": True, "explanation": "The risk level is low."},
        {
            "rule": "checks_passed",
            "passed": False,
            "explanation": "One of the documents has expired.",
        },
    ],
}
PROVINCES = (
    ("上海市", "上海市", "浦东新区"),
    ("广东省", "深圳市", "南山区"),
    ("北京市", "北京市", "海淀区"),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚"


@dataclass(frozen=True)
class People:
    """Who the seeded cases refer to, and the reviewers that measure the queue."""

    stores: list[Store]
    store_weights: list[float]
    staff: dict[uuid.UUID, User]  # one member of staff per store, by store id
    reviewers: list[User]  # hold the assigned cases
    clients: list[User]  # the benchmark's reviewers, who hold nothing at the start


def _user(username: str, role: Role, store: Store | None = None) -> User:
    user = User(username=username, store=store)
    user.set_unusable_password()
    user.save()
    return user_set_role(user=user, role=role)


def people_create(*, stores: int = STORES, reviewers: int = REVIEWERS) -> People:
    """Stores (a few large, many small), one staff member each, and reviewers."""
    made = [
        Store.objects.create(code=f"bench-{n:02d}", name=f"门店 {n:02d}", city="上海")
        for n in range(stores)
    ]
    return People(
        stores=made,
        # Store n takes in 1/(n+1) as many applications as the largest one.
        store_weights=[1 / (n + 1) for n in range(stores)],
        staff={
            store.pk: _user(f"bench-staff-{store.code}", Role.STORE_STAFF, store) for store in made
        },
        reviewers=[_user(f"bench-reviewer-{n:02d}", Role.REVIEWER) for n in range(reviewers)],
        clients=[_user(f"bench-client-{n}", Role.REVIEWER) for n in range(CLIENTS)],
    )


# -- COPY --------------------------------------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _escaped(value: str) -> str:
    return value.translate(_ESCAPES)


def _json(value) -> str:
    return _escaped(json.dumps(value, ensure_ascii=False))


# By exact type: ten million values go through here at the largest size.
_FORMATS: dict[type, Callable[[object], str]] = {
    type(None): lambda value: "\\N",
    bool: lambda value: "t" if value else "f",
    int: str,
    str: _escaped,
    uuid.UUID: str,
    datetime.datetime: datetime.datetime.isoformat,
    datetime.date: datetime.date.isoformat,
    dict: _json,
    list: _json,
}


def _text(value) -> str:
    """``value`` in COPY's text format."""
    format_ = _FORMATS.get(type(value))
    return format_(value) if format_ else _escaped(str(value))


class _Table:
    """COPY lines for one model: the columns a row gives, every other column a constant.

    A column the rows do not give takes the field's default (or NULL, or an empty
    string, as Django would), so a field added later does not break the seeding.
    """

    def __init__(
        self, model: type[models.Model], given: Sequence[str], constants: dict | None = None
    ) -> None:
        fields = [
            field
            for field in model._meta.concrete_fields
            if not isinstance(field, models.AutoField)  # numbered by the database
        ]
        self.table = model._meta.db_table
        self.columns = [field.column for field in fields]
        given_columns = [model._meta.get_field(name).column for name in given]
        self.slots = [self.columns.index(column) for column in given_columns]
        constants = constants or {}
        self.template = [
            ""
            if field.column in given_columns
            else _text(constants[field.name] if field.name in constants else self._constant(field))
            for field in fields
        ]
        self.lines: list[str] = []

    @staticmethod
    def _constant(field: models.Field):
        if field.has_default():
            return field.get_db_prep_value(field.get_default(), connection)
        if field.null:
            return None
        if field.empty_strings_allowed:
            return ""
        raise ValueError(f"The seeding gives no value for {field.model.__name__}.{field.name}.")

    def add(self, *values) -> None:
        line = self.template.copy()
        for slot, value in zip(self.slots, values, strict=True):
            line[slot] = _text(value)
        self.lines.append("\t".join(line))

    def flush(self, cursor) -> None:
        if not self.lines:
            return
        data = io.StringIO("\n".join(self.lines) + "\n")
        columns = ", ".join(f'"{column}"' for column in self.columns)
        cursor.copy_expert(f'COPY "{self.table}" ({columns}) FROM STDIN', data)
        self.lines.clear()


# -- the mix -----------------------------------------------------------------------------


def _chooser(rng: random.Random, choices) -> Callable[[], object]:
    values = [value for value, _weight in choices]
    cumulative = []
    total = 0.0
    for _value, weight in choices:
        total += weight
        cumulative.append(total)

    def choose():
        return rng.choices(values, cum_weights=cumulative)[0]

    return choose


def _token(model: type[models.Model], field: str, plaintext: str) -> str:
    """A real ciphertext of ``plaintext`` for one made-up row (copied to every row)."""
    return encrypt(plaintext, binding=model._meta.get_field(field).binding(uuid.uuid4()))


@dataclass
class _Tables:
    customers: _Table
    individuals: _Table
    enterprises: _Table
    cases: _Table
    editors: _Table

    def flush(self, cursor) -> None:
        # In the order of their foreign keys.
        for table in (self.customers, self.individuals, self.enterprises, self.cases, self.editors):
            table.flush(cursor)


def _individual_constants() -> dict:
    """The encrypted values nothing in the queue reads: one real ciphertext each."""
    return {
        "nationality": "CN",
        "document_type": DocumentType.RESIDENT_ID,
        "document_number": _token(Individual, "document_number", "11010519491231002X"),
        "street": _token(Individual, "street", "世纪大道 100 号 20 楼"),
        "birth_date": _token(Individual, "birth_date", "1985-06-15"),
        "mobile": _token(Individual, "mobile", "13800138000"),
        "email": _token(Individual, "email", "someone@example.com"),
        "occupation": "工程师",
    }


def _enterprise_constants() -> dict:
    return {
        "street": _token(Enterprise, "street", "张江路 88 号"),
        "credit_code": _token(Enterprise, "credit_code", "91310000MA1FL8XK2B"),
        "business_scope": "软件开发；信息技术咨询服务",
        "contact_name": _token(Enterprise, "contact_name", "王伟"),
        "contact_mobile": _token(Enterprise, "contact_mobile", "13900139000"),
        "contact_email": _token(Enterprise, "contact_email", "contact@example.com"),
    }


def _tables() -> _Tables:
    return _Tables(
        customers=_Table(
            Customer,
            (
                "id",
                "kind",
                "channel",
                "store",
                "entered_by",
                "customer_number",
                "registered_at",
                "risk_level",
                "next_recheck_on",
                "created_at",
                "updated_at",
            ),
        ),
        individuals=_Table(
            Individual,
            (
                "id",
                "customer",
                "full_name",
                "province",
                "city",
                "district",
                "document_number_index",
                "mobile_index",
                "email_index",
                "gender",
            ),
            _individual_constants(),
        ),
        enterprises=_Table(
            Enterprise,
            (
                "id",
                "customer",
                "legal_name",
                "province",
                "city",
                "district",
                "credit_code_index",
                "contact_mobile_index",
                "contact_email_index",
            ),
            _enterprise_constants(),
        ),
        cases=_Table(
            Case,
            (
                "id",
                "customer",
                "state",
                "channel",
                "customer_kind",
                "store",
                "risk_level",
                "route",
                "quality_sample",
                "fast_track_rules",
                "assigned_to",
                "assigned_at",
                "escalated",
                "sla_due_at",
                "sla_warned_at",
                "sla_breached_at",
                "submitted_at",
                "confirmed_at",
                "approved_at",
                "closed_at",
                "created_at",
                "updated_at",
            ),
        ),
        editors=_Table(Case.editors.through, ("case", "user")),
    )


def cases_seed(
    *, people: People, first: int, count: int, now: datetime.datetime | None = None
) -> None:
    """Add ``count`` cases (numbered from ``first``, which also seeds the randomness)."""
    now = now or timezone.now()
    rng = random.Random(first)
    state_of = _chooser(rng, STATES)
    channel_of = _chooser(rng, CHANNELS)
    risk_of = _chooser(rng, RISKS)
    enhanced_state_of = _chooser(rng, ENHANCED_STATES)
    working_time = WorkingTime.from_settings()
    hours = {
        (route, channel): float(sla_target_for(route=route, channel=channel)[0])
        for route in ReviewRoute.values
        for channel in Channel.values
    }
    name_field = Individual._meta.get_field("full_name")
    tables = _tables()
    year = now.year
    day = datetime.timedelta(days=1)

    def new_id() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    with connection.cursor() as cursor:
        for number in range(first, first + count):
            state = state_of()
            channel = channel_of()
            store = (
                rng.choices(people.stores, weights=people.store_weights)[0]
                if channel == Channel.STORE
                else None
            )
            staff = people.staff[store.pk] if store else None
            kind = (
                CustomerKind.ENTERPRISE
                if rng.random() < ENTERPRISE_SHARE
                else CustomerKind.INDIVIDUAL
            )
            customer_id, case_id = new_id(), new_id()
            risk = route = ""
            quality_sample = escalated = False
            rules: dict = {}
            assigned_to = assigned_at = None
            due = warned = breached = None
            confirmed = approved = closed = None
            registered_at = customer_number = recheck_on = None
            if state == "review" or state == CaseState.NEEDS_MORE_INFORMATION:
                confirmed = now - rng.random() * REVIEW_DAYS * day
                opened = confirmed - rng.random() * 2 * day
            elif state == CaseState.AWAITING_CONFIRMATION:
                opened = now - rng.random() * 3 * day
            else:
                opened = now - (REVIEW_DAYS + rng.random() * (HISTORY_DAYS - REVIEW_DAYS)) * day
                if state != CaseState.EXPIRED:
                    confirmed = opened + rng.random() * day
                closed = (confirmed or opened) + (0.2 + rng.random() * 5) * day
            if confirmed is not None:
                risk = risk_of()
                route = {
                    RiskLevel.HIGH: ReviewRoute.ENHANCED,
                    RiskLevel.MEDIUM: ReviewRoute.STANDARD,
                    RiskLevel.LOW: ReviewRoute.STANDARD,
                }[risk]
                if risk == RiskLevel.LOW and rng.random() < QUALITY_SAMPLE_SHARE:
                    route, quality_sample = ReviewRoute.FAST_TRACK, True
                elif risk == RiskLevel.LOW:
                    rules = FAST_TRACK_REFUSED
                due = working_time.add(confirmed, hours[route, channel])
                if due < now:
                    warned, breached = due - datetime.timedelta(hours=1), due
            if state == "review":
                state = (
                    enhanced_state_of()
                    if route == ReviewRoute.ENHANCED
                    else CaseState.DOCUMENT_REVIEW
                )
                if rng.random() < ASSIGNED_SHARE:
                    assigned_to = rng.choice(people.reviewers).pk
                    assigned_at = confirmed + rng.random() * (now - confirmed)
                escalated = rng.random() < ESCALATED_SHARE
            elif state == CaseState.REGISTERED:
                approved = closed
                registered_at = closed
                customer_number = f"C{year}{number:06d}"
                recheck_on = (closed + 365 * day).date()
            tables.customers.add(
                customer_id,
                kind,
                channel,
                store.pk if store else None,
                staff.pk if staff else None,
                customer_number,
                registered_at,
                risk if registered_at else "",
                recheck_on,
                opened,
                closed or confirmed or opened,
            )
            province, city, district = PROVINCES[number % len(PROVINCES)]
            if kind == CustomerKind.INDIVIDUAL:
                profile_id = new_id()
                name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
                tables.individuals.add(
                    profile_id,
                    customer_id,
                    encrypt(name, binding=name_field.binding(profile_id)),
                    province,
                    city,
                    district,
                    f"{number:064x}",  # unique, as blind indexes are
                    f"{number % 900_000:064x}",
                    f"{number:064x}",
                    Gender.MALE if number % 2 else Gender.FEMALE,
                )
            else:
                tables.enterprises.add(
                    new_id(),
                    customer_id,
                    f"{city}{rng.choice(SURNAMES)}{rng.choice(GIVEN)}科技有限公司 {number}",
                    province,
                    city,
                    district,
                    f"{number:064x}",
                    f"{number % 900_000:064x}",
                    f"{number:064x}",
                )
            tables.cases.add(
                case_id,
                customer_id,
                state,
                channel,
                kind,
                store.pk if store else None,
                risk,
                route,
                quality_sample,
                rules,
                assigned_to,
                assigned_at,
                escalated,
                due,
                warned,
                breached,
                opened,
                confirmed,
                approved,
                closed,
                opened,
                closed or assigned_at or confirmed or opened,
            )
            if staff is not None:
                tables.editors.add(case_id, staff.pk)
            if len(tables.cases.lines) >= CHUNK:
                tables.flush(cursor)
        tables.flush(cursor)


def tables_analyze() -> None:
    """Fresh planner statistics and visibility map, as autovacuum would have them."""
    with connection.cursor() as cursor:
        for model in (Customer, Individual, Enterprise, Case, Case.editors.through):
            cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')


def queue_counts() -> dict[str, int]:
    """How many cases there are, and how many wait unclaimed in review."""
    total = Case.objects.count()
    waiting = Case.objects.filter(state__in=REVIEW_STATES, assigned_to__isnull=True).count()
    return {"cases": total, "waiting": waiting}
