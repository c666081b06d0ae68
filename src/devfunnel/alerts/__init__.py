"""Alerts: conditions worth acting on now, delivered to Slack and signed webhooks.

``detect.py`` raises each condition once (``alerts.dedupe_key``) and queues one delivery
per matching destination in the same transaction; ``deliver.py`` sends due deliveries
with retries and backoff, never holding a transaction while it calls out, so delivery is
at least once and the receiver deduplicates by the delivery id it is sent;
``digest.py`` folds alerts for digest destinations into one summary per period;
``destinations.py`` is what admins manage; ``history.py`` lists alerts, the dead-letter
list, and re-drives dead deliveries.
"""
