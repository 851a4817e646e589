"""Request and response shapes of the REST API (they are also its OpenAPI schema)."""
