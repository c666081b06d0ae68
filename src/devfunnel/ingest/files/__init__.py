"""Files into devfunnel: ``devfunnel import KIND FILE`` reads CSV or JSON Lines.

- ``formats.py`` reads rows with their real line numbers (CSV header is line 1) and
  decodes the encodings CRM exports come in;
- ``columns.py`` and ``mapping.py`` recognise HubSpot and Salesforce export columns and
  turn their values (dates, money, percentages, stage and country names) into the fields
  of the record importers in ``ingest/records``;
- ``records.py`` feeds record kinds (accounts, people, opportunities, ...) to those
  importers in chunks; ``events.py`` bulk-loads Segment-shaped JSON Lines through
  ``prepare`` and ``append_events`` with DuckDB's columnar JSON reader;
- ``rejects.py`` writes the rows that were refused, with line number and reason, so they
  can be fixed and imported again; ``load.py`` is the entry point the CLI calls.
"""
