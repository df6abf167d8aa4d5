"""What every page needs to know about the visitor: role, navigation, page language."""

from django.http import HttpRequest
from django.utils.translation import get_language, get_language_bidi

from .navigation import navigation_for
from .roles import Role, user_is_staff_member, user_role, user_roles


def html_lang(language_code: str | None) -> str:
    """BCP 47 tag for <html lang>: Django's "zh-hans" is written "zh-Hans"."""
    if not language_code:
        return "zh-Hans"
    if language_code.lower() == "zh-hans":
        return "zh-Hans"
    return language_code


def roles(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    role = user_role(user)
    return {
        "Role": Role,
        "current_role": role,
        "current_role_label": role.label if role else "",
        "is_staff_member": user_is_staff_member(user),
        "nav_links": navigation_for(roles=user_roles(user), current_path=request.path)
        if role
        else [],
        "html_lang": html_lang(get_language()),
        "html_dir": "rtl" if get_language_bidi() else "ltr",
    }
