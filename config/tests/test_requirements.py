"""Dependencies are split and pinned honestly (issue 20 item 4).

requirements.txt holds what the platform needs at run time, requirements-dev.txt (which
includes it) the tests' and tools'. Every third-party module that non-test code imports
must come from a distribution pinned in requirements.txt: otherwise the production image
(which installs requirements.txt only) fails at import time, or works only because some
other package happens to pull it in.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

from config.testing import PROJECT_DIR

OWN_PACKAGES = {"config", "coinex", "ta", "trader", "dashboard", "bench", "manage"}
SKIPPED_DIRS = {".venv", "node_modules", "var", "static", ".git", ".hypothesis", ".ruff_cache"}
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]+\])?==[^\s#]+")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _is_test_code(path: Path) -> bool:
    """Tests, benches and test helpers (``tests/``, ``bench/``, ``testing/``, ``testing.py``, conftest)."""
    parts = path.relative_to(PROJECT_DIR).parts
    return (parts[0] == "bench" or "tests" in parts or "testing" in parts
            or path.name in ("conftest.py", "testing.py"))


def python_files(*, test_code: bool) -> list[Path]:
    files = []
    for path in PROJECT_DIR.rglob("*.py"):
        if SKIPPED_DIRS & set(path.relative_to(PROJECT_DIR).parts):
            continue
        if _is_test_code(path) == test_code:
            files.append(path)
    return files


def third_party_imports(paths: list[Path]) -> dict[str, set[str]]:
    """Top-level module name -> files importing it (absolute imports outside the stdlib and the project)."""
    found: dict[str, set[str]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in OWN_PACKAGES and top != "__future__":
                    found.setdefault(top, set()).add(str(path.relative_to(PROJECT_DIR)))
    return found


def pinned(filename: str) -> dict[str, str]:
    """Distribution (normalised) -> the line pinning it, of one requirements file (not its -r includes)."""
    pins = {}
    for line in (PROJECT_DIR / filename).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-r "):
            continue
        match = PIN.match(line)
        assert match, f"{filename}: {line!r} is not pinned with =="
        pins[_normal(match["name"])] = line
    return pins


def _missing(imports: dict[str, set[str]], allowed: set[str]) -> list[str]:
    distributions = packages_distributions()
    problems = []
    for module, files in sorted(imports.items()):
        names = {_normal(d) for d in distributions.get(module, [])}
        if not names:
            problems.append(f"{module} (imported by {sorted(files)[0]}) is not installed")
        elif not names & allowed:
            problems.append(f"{module} from {sorted(names)} (imported by {sorted(files)[0]}) is not pinned")
    return problems


def test_every_import_of_the_platform_is_pinned_in_the_runtime_requirements():
    imports = third_party_imports(python_files(test_code=False))
    assert {"django", "numba", "celery", "pandas"} <= set(imports)  # the sweep sees the code
    assert not _missing(imports, set(pinned("requirements.txt")))


def test_every_import_of_the_tests_is_pinned_in_one_of_the_two_files():
    imports = third_party_imports(python_files(test_code=True))
    assert {"pytest", "hypothesis", "talib"} <= set(imports)
    assert not _missing(imports, set(pinned("requirements.txt")) | set(pinned("requirements-dev.txt")))


def test_test_tooling_is_not_in_the_runtime_requirements():
    runtime = set(pinned("requirements.txt"))
    dev_only = {"pytest", "pytest-django", "pytest-timeout", "playwright", "hypothesis", "schemathesis", "ruff",
                "backtesting", "ta-lib", "pandas-ta", "pyyaml", "psutil"}
    assert not runtime & dev_only
    assert dev_only <= set(pinned("requirements-dev.txt"))
    assert (PROJECT_DIR / "requirements-dev.txt").read_text().splitlines().count("-r requirements.txt") == 1


def test_the_image_installs_the_runtime_requirements_only_and_the_tests_the_dev_ones():
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text()
    assert "pip install -r requirements.txt" in dockerfile and "requirements-dev" not in dockerfile
    assert "bin/bootstrap --dev" in (PROJECT_DIR / "bin" / "test").read_text()
