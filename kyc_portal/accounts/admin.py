from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Store, User
from .roles import Role, user_has_role, user_role


def administrators_only(request: HttpRequest) -> bool:
    """The Django admin is for administrators: staff flag, administrator role, active."""
    user = request.user
    return user.is_active and user.is_staff and user_has_role(user, Role.ADMINISTRATOR)


def portal_login_for_admin(request: HttpRequest, extra_context=None):
    """Everyone logs in on the portal's page (lockout and second factor live there)."""
    if request.user.is_authenticated:
        # Logged in but not an administrator: say no instead of offering another login.
        raise PermissionDenied(_("The administration site is for administrators only."))
    return redirect_to_login(request.GET.get("next") or request.get_full_path())


admin.site.has_permission = administrators_only
admin.site.login = portal_login_for_admin
admin.site.site_header = _("KYC Portal administration")
admin.site.site_title = _("KYC Portal")
admin.site.index_title = _("Users, roles and stores")


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "city", "is_active"]
    list_filter = ["is_active", "city"]
    search_fields = ["code", "name", "city"]


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "role_label", "store", "is_active"]
    list_filter = ["groups", "store", "is_active"]
    list_select_related = ["store"]
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("Store"), {"fields": ["store"]}),
    )

    @admin.display(description=_("role"))
    def role_label(self, user: User) -> str:
        role = user_role(user)
        return role.label if role else "—"

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Administrators manage roles through groups; they cannot mint superusers.
            readonly += ["is_superuser", "user_permissions"]
        return readonly

    def get_queryset(self, request):
        users = super().get_queryset(request).prefetch_related("groups")
        if request.user.is_superuser:
            return users
        # Administrators manage staff accounts. Customers' logins (whose names may be a
        # phone number or an e-mail) and superusers are out of their reach.
        return users.exclude(is_superuser=True).exclude(groups__name=Role.CUSTOMER)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # The admin is only for administrators, whatever the "staff status" box says.
        services.user_sync_admin_access(user=form.instance)
