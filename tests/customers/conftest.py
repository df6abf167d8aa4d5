"""Fixtures of the customer pages' tests that also need documents on disk."""

from tests.verification.conftest import storage_dir

__all__ = ["storage_dir"]
