from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    ENTERPRISE = "enterprise", _("Enterprise")


class DocumentType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident ID card (mainland China)")
    PASSPORT = "passport", _("Passport")
    RESIDENCE_PERMIT = (
        "residence_permit",
        _("Residence permit for Hong Kong, Macau and Taiwan residents"),
    )
    TRAVEL_PERMIT = "travel_permit", _("Travel permit to the mainland (Hong Kong, Macau, Taiwan)")
    PERMANENT_RESIDENCE_ID = "permanent_residence_id", _("Foreign permanent residence ID card")


class Gender(models.TextChoices):
    MALE = "male", _("male")
    FEMALE = "female", _("female")


class Channel(models.TextChoices):
    WEB = "web", _("Web self-registration")
    API = "api", _("Mobile app")
    STORE = "store", _("In store (paper form)")
