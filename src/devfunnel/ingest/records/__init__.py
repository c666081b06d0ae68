"""Record imports (accounts, people, leads, opportunities, ...) in canonical field names."""
