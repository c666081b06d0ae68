"""The dashboard's own services: the account list with saved views, the account page,
notes on accounts, and each role's work list. They read through the other services
(scoring, journey, pipeline) and write only the records the dashboard owns."""
