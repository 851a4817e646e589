import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_warming_fills_the_numba_cache_in_the_given_directory(tmp_path):
    cache = tmp_path / "numba-cache"
    env = {**os.environ, "PYTHONPATH": str(REPO), "NUMBA_CACHE_DIR": str(cache)}
    script = "from ta.engine.warmup import engine_warm; engine_warm()"
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=300)
    cached = list(cache.rglob("*.nbi"))
    assert any("kernels" in path.name for path in cached), cached
