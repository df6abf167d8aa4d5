"""Web forms of the onboarding channels: self-registration steps and the in-store entry.

Every form validates its fields with the channel-independent rules of
``customers.validation`` so that the web, the API and the store refuse the same things
with the same messages.
"""
