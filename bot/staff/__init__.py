"""Staff accounts, roles, login throttling and the audit log. No web framework in here:
the panel (bot/web/panel) and the CLI (`python -m bot staff ...`) both call these services."""
