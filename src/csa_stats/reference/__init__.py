"""Reference configuration (``data/reference/*.yml`` and published figures), parsed into typed objects."""
