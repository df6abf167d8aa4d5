"""Tasks of the customers app.

Confirmation messages go through the outbox (kyc_portal.messaging): importing
``customers.confirmation`` registers their senders, which a worker needs before it runs
``messaging.outbox_deliver`` for them.
"""

from . import confirmation  # noqa: F401  registers the confirmation message senders
