"""Settings for ``bench/api_load.py``'s server: the platform's, plus the floor view's URL."""

from config.settings import *  # noqa: F403 - the production settings, unchanged but for the URLs

ROOT_URLCONF = "bench.api_urls"
