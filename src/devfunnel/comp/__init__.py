"""Quotas, commission plans and the commission ledger."""
