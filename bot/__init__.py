"""HTTP, the platforms, the outbox worker and the CLI."""
