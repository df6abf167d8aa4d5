"""Verification: cases, documents, the state machine, the review queue and check providers."""
