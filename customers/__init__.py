"""Customers: individuals and enterprises, and how they register (online, API, in store)."""
