"""Messages to customers: e-mail, SMS backends, and the outbox that survives broker outages."""
