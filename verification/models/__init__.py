"""Cases and their documents and checks; each model lives in its own module."""

from .case import Case

__all__ = ["Case"]
