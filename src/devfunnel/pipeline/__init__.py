"""The sales pipeline: leads and their routing and speed-to-lead SLAs, opportunities and
their stage moves under exit criteria (``gates.py``), MEDDPICC/BANT qualification and
technical validation, and handoffs between teams with packets assembled from data.

Every function that changes a record takes the acting ``Principal`` (who is checked with
``admin.permissions`` and recorded in the audit log in the same transaction) and a
``now`` (the demo's history ends at its ``--as-of`` date, and tests need fixed clocks).
The CLI and the JSON API call the same functions.
"""
