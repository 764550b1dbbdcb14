"""热力客服助手: billing rules, database, knowledge base and channels of the heating-billing assistant.

Nothing in this package imports Rasa except the channel adapters, so the billing rules and services can be
used by staff tools and reports on their own.
"""
