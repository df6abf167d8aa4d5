import math
from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def in_minutes(value: timedelta | None) -> int:
    """A duration as whole minutes, rounded up (a 30-second wait reads "1 minute")."""
    if not value:
        return 0
    return max(1, math.ceil(value.total_seconds() / 60))
