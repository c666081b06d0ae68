"""The demo company: a generated developer-first business with known ground truth."""
