"""devfunnel: developer signals and sales, joined account by account."""

__version__ = "0.1.0"
