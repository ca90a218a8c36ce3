"""Orders use cases, one module per area. They run inside the caller's transaction and never commit."""
