import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Store(models.Model):
    """A shop where staff take in walk-in customers' paper applications."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(_("store code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    city = models.CharField(_("city"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class User(AbstractUser):
    """Everyone who logs in: customers and staff. The role is the user's group."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    store = models.ForeignKey(
        Store,
        verbose_name=_("store"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("Store staff only see the applications of this store."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        """The name to greet the user with: Chinese names family name first, no space."""
        family, given = self.last_name.strip(), self.first_name.strip()
        if not (family or given):
            return self.get_username()
        if any("\u3400" <= char <= "\u9fff" for char in family + given):
            return f"{family}{given}"
        return f"{given} {family}".strip()
