"""The web layer: the JSON API, event intake and the dashboard pages (FastAPI)."""
