"""Personal data at rest: encrypted model fields, blind indexes and masking."""
