"""The WSGI entry point `polise serve` runs: Django, with forward-auth's short way in."""

import gc

from polise.sso.wsgi import application

# What start-up loaded (Django, every app's modules and models) lives as long as the process.
# Freezing it keeps the collector from scanning it again at each full collection, which a
# request building many objects sets off: parsing a 2,048-commit push made them 130-160 ms
# each, 20-30 ms once frozen (bench/news/RESULTS.md).
gc.freeze()

__all__ = ["application"]
