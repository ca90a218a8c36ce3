"""Loads the shared test kit for every test in the repository."""

pytest_plugins = ["sealkit.testing"]
