"""Sealflow's shared kit: one way of doing each cross-cutting thing for every service."""
