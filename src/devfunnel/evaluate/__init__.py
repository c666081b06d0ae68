"""Measuring the product against the demo company's ground truth (``devfunnel evaluate``).

The only code, with the demo generator, that reads ``demo_truth``.
"""
