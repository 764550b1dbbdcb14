"""Rasa custom actions: thin adapters from the dialogue to the services in `bot/`.

`rasa run actions` imports this package; each module registers its actions by defining Action classes.
"""
from actions import account_lookup, applications, common, estimate, handoff, knowledge, statements, tickets  # noqa: F401  (imported for registration)
