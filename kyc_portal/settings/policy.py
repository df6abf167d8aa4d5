"""Process policy defaults that an operator may want to change without code."""

from .env import env

# Individuals younger than this cannot register (0 turns the rule off).
KYC_MINIMUM_AGE = env.int("KYC_MINIMUM_AGE", default=18)

# Information confirmation (customers/confirmation.py).
# Hours a confirmation link and code stay valid.
KYC_CONFIRMATION_HOURS = env.int("KYC_CONFIRMATION_HOURS", default=72)
# Wrong codes accepted before a code stops working (the customer asks for a new message).
KYC_CONFIRMATION_CODE_ATTEMPTS = env.int("KYC_CONFIRMATION_CODE_ATTEMPTS", default=5)
# Seconds a customer waits before asking for the message again, and messages per case a day.
KYC_CONFIRMATION_RESEND_SECONDS = env.int("KYC_CONFIRMATION_RESEND_SECONDS", default=60)
KYC_CONFIRMATION_MESSAGES_PER_DAY = env.int("KYC_CONFIRMATION_MESSAGES_PER_DAY", default=5)
# Address of the portal as customers reach it, for links in e-mails and text messages.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Review deadlines count working hours only (verification/sla.py): this window on these
# weekdays (1 = Monday … 7 = Sunday), in TIME_ZONE. Public holidays are not known.
KYC_WORKING_HOURS = env.str("KYC_WORKING_HOURS", default="09:00-18:00")
KYC_WORKING_DAYS = env.list("KYC_WORKING_DAYS", cast=int, default=[1, 2, 3, 4, 5])
