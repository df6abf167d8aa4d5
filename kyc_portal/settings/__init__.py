"""Settings, read from the environment. One module per integration; see README.md."""
