"""Probabilistic matching of people that deterministic identity keys did not join."""
