"""The REST API: /api/v1/ and the dashboard control suite /api/trader/ (docs/API.md)."""
