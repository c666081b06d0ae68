"""Identity resolution: identities to people, people to accounts."""
