"""Engagement, momentum, fit, PQA/PQL and grades, each with its why; the success
probability of opportunities (``success/``)."""
