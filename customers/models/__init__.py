"""Models of this app; each model lives in its own module and is imported here."""
