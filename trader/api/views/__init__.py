"""DRF views of /api/v1/ and /api/trader/: thin shells over the services and selectors."""
