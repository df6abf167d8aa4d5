"""Built-in check providers, one module each; KYC_CHECK_PROVIDERS picks them."""
