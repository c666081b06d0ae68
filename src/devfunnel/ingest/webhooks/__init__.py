"""Webhook payloads from GitHub and Stripe, turned into events and billing records."""
