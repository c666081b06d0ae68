"""Portable analytics: Ibis expressions over the store, the same on every backend."""
