"""Controllers: the API every control policy implements, and the built-in policies."""
