"""Paper-scale studies: one module per study, each holding its grid, the function that
:func:`dlmath.sweep.run_sweep` calls for one settings dictionary, and its summaries.

``scripts/`` are thin command lines over these modules; notebooks read the committed results
(``chapters/<chapter>/results/``) or run a study's small grid themselves.

* :mod:`dlmath.studies.ch3_poisoning`: Chapter 3, the eight Neuro-Tron data-poisoning simulations.
* :mod:`dlmath.studies.ch5_autoencoders`: Chapter 5, ADAM, RMSProp and NAG on ReLU autoencoders.
"""
