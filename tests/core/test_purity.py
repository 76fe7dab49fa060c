"""The core engines stay free of Django and declare their public surface."""

import ast
import importlib
import pkgutil
from pathlib import Path

import trustfunnel.core as core

CORE_DIR = Path(core.__file__).parent


def _core_modules():
    return [m.name for m in pkgutil.iter_modules([str(CORE_DIR)]) if not m.name.startswith("_")]


def test_core_never_imports_django():
    for path in CORE_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] != "django", f"{path.name} imports {name}"


def test_every_core_module_declares_its_public_surface():
    for name in _core_modules():
        module = importlib.import_module(f"trustfunnel.core.{name}")
        assert hasattr(module, "__all__"), f"trustfunnel.core.{name} has no __all__"
        for exported in module.__all__:
            assert hasattr(module, exported), f"{name}.__all__ names missing {exported}"
