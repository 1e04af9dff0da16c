"""Paper-scale studies: one module per study, holding its grid, the function the sweep runner
(:mod:`dlmath.sweep`) calls for one setting, and its summaries. ``scripts/`` are thin command
lines over these modules; committed results live beside the chapter (``chapters/<ch>/results/``).
"""
