"""One module per chapter (``ch1.py`` ... ``ch6.py``, ``appA.py``), each defining ``CLAIMS``.

Modules are discovered automatically: a chapter adds its file and nothing else.
"""
