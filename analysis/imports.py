"""One module of a package without the package's ``__init__``.

Some packages import everything they ship when imported: ``snownlp`` loads all its models (~2.3 s),
``datasketch`` imports every index it has and with them scipy (~0.35 s). The project needs one
class of each (snownlp's classifier, datasketch's MinHash). The package is registered bare while
the module is imported and removed again afterwards, so a later plain ``import`` of the package
elsewhere still runs the real ``__init__`` (which then finds the module already loaded).
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import types


def submodule(name: str) -> types.ModuleType:
    """``importlib.import_module(name)`` for a ``package.module`` name, skipping ``package/__init__``."""
    if name in sys.modules:
        return sys.modules[name]
    package = name.split(".", 1)[0]
    if package in sys.modules:
        return importlib.import_module(name)
    spec = importlib.util.find_spec(package)
    bare = types.ModuleType(package)
    bare.__path__ = list(spec.submodule_search_locations)
    sys.modules[package] = bare
    try:
        return importlib.import_module(name)
    finally:
        del sys.modules[package]
