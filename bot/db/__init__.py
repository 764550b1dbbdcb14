"""Billing database: models, engine and session handling, migrations."""
