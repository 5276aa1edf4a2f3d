"""The desk's routes: ``api`` (JSON, OpenAPI-documented) and ``pages`` (the Chinese UI)."""
