"""Cross-cutting web pieces: home pages, health check, middleware, API error handling."""
