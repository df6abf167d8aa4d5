"""The main navigation: which links each role sees. Later apps add their entries here."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .roles import STAFF_ROLES, Role


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: str | Promise
    roles: frozenset[Role]
    # Other pages on which this entry is marked as the current one.
    also_current_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str | Promise
    is_current: bool


_EVERYONE = frozenset(Role)

NAV_ENTRIES: tuple[NavEntry, ...] = (
    NavEntry(
        "core:home",
        _("Home"),
        _EVERYONE,
        also_current_on=(
            "core:home_customer",
            "core:home_store_staff",
            "core:home_reviewer",
            "core:home_compliance",
            "core:home_administrator",
        ),
    ),
    NavEntry("customers:status", _("My application"), frozenset({Role.CUSTOMER})),
    NavEntry("customers:store_new", _("New paper application"), frozenset({Role.STORE_STAFF})),
    NavEntry(
        "customers:store_applications", _("Applications of my store"), frozenset({Role.STORE_STAFF})
    ),
    NavEntry(
        "verification:review-queue",
        _("Review queue"),
        frozenset({Role.REVIEWER, Role.SENIOR_REVIEWER, Role.COMPLIANCE_OFFICER}),
    ),
    NavEntry("verification:process", _("Process"), frozenset(STAFF_ROLES)),
    NavEntry("admin:accounts_user_changelist", _("Users"), frozenset({Role.ADMINISTRATOR})),
    NavEntry("admin:accounts_store_changelist", _("Stores"), frozenset({Role.ADMINISTRATOR})),
    NavEntry("admin:index", _("Administration"), frozenset({Role.ADMINISTRATOR})),
    NavEntry("accounts:otp_enrol", _("Two-step verification"), frozenset(STAFF_ROLES)),
)


def navigation_for(*, roles: frozenset[Role], current_path: str) -> list[NavLink]:
    links = []
    for entry in NAV_ENTRIES:
        if not entry.roles & roles:
            continue
        url = _reverse_or_none(entry.url_name)
        if url is None:
            continue
        current_urls = {url, *filter(None, map(_reverse_or_none, entry.also_current_on))}
        links.append(NavLink(url=url, label=entry.label, is_current=current_path in current_urls))
    return links


def _reverse_or_none(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:  # an app that is switched off
        return None
