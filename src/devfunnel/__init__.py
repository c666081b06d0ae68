"""devfunnel."""
