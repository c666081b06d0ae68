"""The success probability: the chance an opportunity is won, with its why.

``signals.py`` reads developer signals of accounts as of any moment; ``features.py`` turns
opportunities at moments into feature rows; ``model.py`` fits, calibrates and explains;
``training.py`` trains on closed opportunities and stores model versions;
``predictions.py`` scores open opportunities; ``schedule.py`` retrains when due.
"""
