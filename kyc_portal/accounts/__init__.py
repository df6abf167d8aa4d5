"""Accounts: users, stores, roles, login with lockout and a second factor for staff."""
