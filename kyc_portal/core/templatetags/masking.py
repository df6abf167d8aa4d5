"""Template filters that show personal values masked: ``{{ customer.id_number|mask_id }}``.

Registered as a template builtin in settings, so no ``{% load %}`` is needed.
"""

from django import template

from kyc_portal.crypto import masking

register = template.Library()

register.filter("mask_id", masking.mask_id_number)
register.filter("mask_phone", masking.mask_phone)
register.filter("mask_email", masking.mask_email)
register.filter("mask_name", masking.mask_name)
register.filter("mask_address", masking.mask_address)
register.filter("mask_date", masking.mask_date)
