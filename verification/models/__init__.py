"""Cases and their documents and checks; each model lives in its own module."""

from .case import Case
from .document import Document, DocumentKind, DocumentStatus

__all__ = ["Case", "Document", "DocumentKind", "DocumentStatus"]
