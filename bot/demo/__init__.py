"""Deterministic demo billing data for the bundled sample company."""
