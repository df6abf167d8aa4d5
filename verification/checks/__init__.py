"""Checks a case runs: document reading, face match, in-store biometrics, background."""
