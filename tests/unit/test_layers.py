"""The import direction that keeps domain, storage and transport apart, followed
transitively: a module breaks its layer also by importing something that does."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "live"

PURE = {"redis", "starlette", "uvicorn"}
STORAGE = {"live.store"}
# module -> what it must not reach, directly or through any live module it imports
FORBIDDEN_TRANSITIVELY = {
    "errors": PURE | {"live"},
    "model": PURE | STORAGE,
    "definition": PURE | STORAGE,
    "results": PURE | STORAGE,
    "results_csv": PURE | STORAGE,
    "spreadsheet": PURE | STORAGE,
    "questions": PURE | STORAGE,
    "keys": PURE | {"live"},
    "auth": PURE | STORAGE,
    "protocol": PURE | STORAGE,
    "commands": PURE | STORAGE,
    "outbox": PURE | STORAGE,
    "notices": PURE | STORAGE,
    "rooms": PURE | STORAGE | {"live.bus"},
    "sockets": {"redis"} | STORAGE,
    "socket_commands": {"redis"} | STORAGE,
    "pages": {"redis"} | STORAGE,
    "new_event": {"redis"} | STORAGE,
    "api": {"redis"} | STORAGE,
    "signin": {"redis"} | STORAGE,
    "web": {"redis"} | STORAGE,
    "control": {"redis"} | STORAGE,
    "ticketing": {"redis"} | STORAGE,
    "store": {"starlette", "uvicorn"},
    "bus": {"starlette", "uvicorn"},
    "debate": {"starlette", "uvicorn"},
    "editing": {"starlette", "uvicorn"},
    "access": {"starlette", "uvicorn"},
    "report": {"starlette", "uvicorn"},
    "tickets": {"starlette", "uvicorn"},
    "history": PURE | STORAGE,
    "chart": PURE | STORAGE,
    "archive": PURE | STORAGE,
    "archive_api": {"redis"} | STORAGE,
    "archiver": {"starlette", "uvicorn"},
}
# what a module must not import itself (it may use modules that do): the use cases build
# no wire messages; the fan-out and the use cases talk to Redis only through the store.
USE_CASE = {"redis", "live.protocol", "live.commands"}
FORBIDDEN_DIRECTLY = {"bus": {"redis"}, "rooms": {"redis"}, "debate": USE_CASE, "editing": USE_CASE, "access": USE_CASE,
                      "report": USE_CASE, "tickets": USE_CASE, "archiver": USE_CASE}


def source(module: str) -> Path:
    path = PACKAGE.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module
    parts = ["live", *module.split(".")]
    package = parts if source(module).name == "__init__.py" else parts[:-1]
    base = package[:len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


@cache
def imports(module: str) -> frozenset[str]:
    """Every module name `live.<module>` imports directly (type-checking-only imports excluded)."""
    tree = ast.parse(source(module).read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            found.add(target)
            found |= {f"{target}.{alias.name}" for alias in node.names if source_exists(f"{target}.{alias.name}")}
    return frozenset(found)


def source_exists(name: str) -> bool:
    return name.startswith("live.") and source(name.removeprefix("live.")).exists()


@cache
def reach(module: str) -> frozenset[str]:
    """Everything `live.<module>` imports, following live's own modules all the way down."""
    seen, todo = set(), [module]
    while todo:
        for name in imports(todo.pop()):
            if name not in seen:
                seen.add(name)
                if source_exists(name) and name != "live":
                    todo.append(name.removeprefix("live."))
    return frozenset(seen)


def breaks(names, forbidden) -> list[str]:
    return sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden))


def test_each_module_keeps_to_its_layer_transitively():
    """Domain code does not reach HTTP or Redis; transport code does not reach Redis, even through others."""
    for module, forbidden in FORBIDDEN_TRANSITIVELY.items():
        assert not breaks(reach(module), forbidden), f"{module} reaches {breaks(reach(module), forbidden)}"
    for module, forbidden in FORBIDDEN_DIRECTLY.items():
        assert not breaks(imports(module), forbidden), f"{module} imports {breaks(imports(module), forbidden)}"


def test_the_layer_test_sees_indirect_imports():
    """The check follows imports: bus reaches redis through the store, so it would be caught."""
    assert "redis.asyncio" in reach("bus") and "redis.asyncio" not in imports("bus")
    assert breaks(reach("bus"), {"redis"})


def test_every_module_is_small():
    """No module in live/ is over ~300 lines (one job each)."""
    for path in PACKAGE.rglob("*.py"):
        assert len(path.read_text().splitlines()) <= 310, f"{path.name} is too long"
