"""CRM write-back: scores, grades, journey stage, PQA and handoff packets pushed to HubSpot
and Salesforce through their public REST APIs.

``changes.py`` decides what to write (hooks for the transactions that change scores and
handoffs, and a sweep); ``outbox.py`` queues each change once (``crm_outbox``) and records
what happened; ``push.py`` sends due changes with retries, backoff and rate-limit pauses;
``hubspot.py`` and ``salesforce.py`` speak each CRM's API; ``mapping.py`` says which
devfunnel record and field goes where.
"""
