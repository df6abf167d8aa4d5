"""Process policy defaults that an operator may want to change without code."""

from .env import env

# Individuals younger than this cannot register (0 turns the rule off).
KYC_MINIMUM_AGE = env.int("KYC_MINIMUM_AGE", default=18)
