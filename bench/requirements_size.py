"""How much smaller the production image's Python install is without the test tooling.

Run: ``.venv/bin/python bench/requirements_size.py``

There is no Docker engine here, so the image is not built. Instead pip resolves both
files as a fresh install would (``pip install --dry-run --ignore-installed --report``):
the distributions of requirements.txt (what the Dockerfile installs) and of
requirements-dev.txt (what it installed before the split). Each distribution's
installed size is summed from the files its RECORD lists in this .venv, where both sets
are installed. Prints the two totals, the difference and the largest dev-only packages.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from importlib.metadata import distributions
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def resolved(requirements: str) -> set[str]:
    """Distributions a fresh ``pip install -r requirements`` would install (normalised names)."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
                        "--disable-pip-version-check", "--report", str(report), "-r", requirements],
                       cwd=PROJECT_DIR, check=True, capture_output=True)
        return {_normal(item["metadata"]["name"]) for item in json.loads(report.read_text())["install"]}


def installed_sizes() -> dict[str, int]:
    """Bytes on disk of each distribution installed here (the files of its RECORD)."""
    sizes = {}
    for dist in distributions():
        total = 0
        for file in dist.files or []:
            path = Path(dist.locate_file(file))
            if path.is_file():
                total += path.stat().st_size
        sizes[_normal(dist.metadata["Name"])] = total
    return sizes


def main() -> None:
    runtime, dev = resolved("requirements.txt"), resolved("requirements-dev.txt")
    sizes = installed_sizes()
    missing = sorted(name for name in dev if name not in sizes)
    dev_only = dev - runtime
    runtime_mb = sum(sizes.get(name, 0) for name in runtime) / MB
    dev_mb = sum(sizes.get(name, 0) for name in dev) / MB
    print(f"runtime (requirements.txt):     {len(runtime):3} distributions, {runtime_mb:7.1f} MB installed")
    print(f"with tooling (requirements-dev): {len(dev):3} distributions, {dev_mb:7.1f} MB installed")
    print(f"image's Python install smaller by {dev_mb - runtime_mb:.1f} MB ({len(dev_only)} distributions, "
          f"{(dev_mb - runtime_mb) / dev_mb:.0%})")
    for name in sorted(dev_only, key=lambda n: -sizes.get(n, 0))[:12]:
        print(f"  {name:28} {sizes.get(name, 0) / MB:6.1f} MB")
    if missing:
        print(f"not installed here (not counted): {', '.join(missing)}")


if __name__ == "__main__":
    main()
