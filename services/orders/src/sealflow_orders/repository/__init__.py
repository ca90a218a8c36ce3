"""Every orders query, one module per area (catalog, enterprises, files, applications, orders)."""
