"""Known-vulnerable dependency versions fail the build (docs/test-plan.md, C15).

The package registry reachable here does not serve the vulnerability data that pip-audit
needs, so the advisories that concern this app's dependencies are listed below and both
the declared minimums in pyproject.toml and the installed versions are checked against
them. Add a row when an advisory appears (docs/security.md).
"""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

# package -> (first fixed version, advisory)
ADVISORIES = {
    "jinja2": ("3.1.6", "CVE-2025-27516 sandbox escape through the attr filter"),
    "starlette": ("0.49.1", "CVE-2025-62727 quadratic Range header parsing; CVE-2025-54121 multipart blocking"),
    "h11": ("0.16.0", "CVE-2025-43859 lenient chunked-encoding parsing (request smuggling)"),
    "python-multipart": ("0.0.18", "CVE-2024-53981 denial of service on malformed boundaries"),
    "uvicorn": ("0.11.7", "CVE-2020-7694 log injection"),
    "websockets": ("10.0", "CVE-2021-33880 timing side channel in basic auth"),
    "orjson": ("3.9.15", "CVE-2024-27454 unbounded recursion on deeply nested input"),
    "babel": ("2.9.1", "CVE-2021-42771 path traversal in locale loading"),
    "httpx": ("0.23.0", "CVE-2021-41945 URL parsing"),
    "openpyxl": ("2.4.2", "CVE-2017-5992 XML external entities when reading a workbook"),
}

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def declared() -> dict[str, Requirement]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    lines = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return {Requirement(line).name.lower(): Requirement(line) for line in lines}


def test_declared_minimums_exclude_known_vulnerable_versions():
    """Every dependency with an advisory is pinned at or above its first fixed version."""
    requirements = declared()
    for package, (fixed, advisory) in ADVISORIES.items():
        if package not in requirements:
            continue
        minimums = [Version(s.version) for s in requirements[package].specifier if s.operator in (">=", "==")]
        assert minimums and max(minimums) >= Version(fixed), f"{package}: {advisory}"


def test_installed_versions_are_not_known_vulnerable():
    """What is installed right now is at or above every first fixed version."""
    for package, (fixed, advisory) in ADVISORIES.items():
        installed = version(package)
        assert Version(re.sub(r"[^0-9.].*$", "", installed)) >= Version(fixed), f"{package} {installed}: {advisory}"
