"""Models with encrypted fields, installed only by the test settings (no migrations)."""
