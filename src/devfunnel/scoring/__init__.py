"""Engagement, momentum, fit, PQA/PQL and grades, each with its why."""
