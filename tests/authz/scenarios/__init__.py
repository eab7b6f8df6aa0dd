"""Scenarios of the authorisation matrix, one module per area; every module of this package is imported, so a
new `tests/authz/scenarios/<area>.py` registers its scenarios without editing this file."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
