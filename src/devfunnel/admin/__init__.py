"""People who use devfunnel: users, roles and API keys."""
