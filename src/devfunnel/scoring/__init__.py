"""Scores: journey stages, engagement, momentum, fit, grades and the success probability."""
