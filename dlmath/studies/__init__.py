"""Paper-scale studies: one module per study, holding its grid, the function the sweep runner
(:mod:`dlmath.sweep`) calls for one setting, and its summaries. ``scripts/`` are thin command
lines over these modules; committed results live beside the chapter (``chapters/<ch>/results/``).

* :mod:`dlmath.studies.ch3_poisoning`: Chapter 3, the eight Neuro-Tron data-poisoning simulations.
* :mod:`dlmath.studies.ch5_autoencoders`: Chapter 5, ADAM, RMSProp and NAG on ReLU autoencoders.
* :mod:`dlmath.studies.ch5_evidence`: Chapter 5, that study's evidence scale over seeds.
"""
