"""Request and response bodies of the orders API, one module per area (the shapes fixed in docs/api.md)."""
