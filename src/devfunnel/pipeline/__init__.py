"""The sales pipeline: opportunities, stages and their gates, qualification, routing and
handoffs."""
