"""The import direction that keeps domain, storage and transport apart."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "live"

FORBIDDEN = {
    "model": {"redis", "starlette", "uvicorn", "live.store", "live.hub", "live.debate"},
    "keys": {"redis", "starlette", "live"},
    "protocol": {"redis", "starlette"},
    "store": {"starlette", "uvicorn"},
    "hub": {"starlette", "uvicorn"},
    "debate": {"starlette", "uvicorn"},
    "auth": {"redis", "starlette"},
    "sockets": {"redis"},
    "pages": {"redis"},
}


def imports(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add(f"live.{node.module}" if node.level else node.module)
            if node.level and node.module is None:
                found.add("live")
    return found


def test_each_module_keeps_to_its_layer():
    """Domain code does not know about HTTP; transport code does not know about Redis."""
    for module, forbidden in FORBIDDEN.items():
        for name in imports(module):
            assert not any(name == f or name.startswith(f + ".") for f in forbidden), f"{module} imports {name}"
