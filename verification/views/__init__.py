"""Web views of the verification app, one module per area."""
