"""``python -m config.web``: the web tier as the Docker image starts it.

Runs the same uvicorn command as ``manage.py run_platform`` (``config.runner.web_argv``)
with WEB_CONCURRENCY worker processes on PORT, trusting X-Forwarded-* from the proxy in
front. Replaces this process (exec), so the container's signals reach uvicorn directly.
"""

from __future__ import annotations

import argparse
import os


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    from config.runner import web_argv

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="0.0.0.0")  # noqa: S104 - inside a container, behind its port mapping
    parser.add_argument("--port", type=int, default=settings.PORT)
    parser.add_argument("--workers", type=int, default=settings.WEB_CONCURRENCY)
    parser.add_argument("--no-proxy-headers", action="store_true", help="Do not trust X-Forwarded-* headers.")
    options = parser.parse_args()
    argv = web_argv(host=options.host, port=options.port, workers=options.workers,
                    proxy_headers=not options.no_proxy_headers)
    os.execv(argv[0], argv)  # noqa: S606 - replaces this process with uvicorn, a fixed argv


if __name__ == "__main__":
    main()
