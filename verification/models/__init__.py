"""Cases and their documents and checks; each model lives in its own module."""

from .case import Case
from .check import Check, CheckRequirement
from .document import Document, DocumentKind, DocumentStatus
from .policy import FastTrackPolicy, SlaTarget
from .review import CaseApproval, CaseAssignment, InformationRequest, ReviewOutcome, SlaBreach

__all__ = [
    "Case",
    "CaseApproval",
    "CaseAssignment",
    "Check",
    "CheckRequirement",
    "Document",
    "DocumentKind",
    "DocumentStatus",
    "FastTrackPolicy",
    "InformationRequest",
    "ReviewOutcome",
    "SlaBreach",
    "SlaTarget",
]
