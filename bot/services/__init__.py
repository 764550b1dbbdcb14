"""Services behind the actions and staff tools: accounts, audit, and later tickets, handoff, knowledge search."""
