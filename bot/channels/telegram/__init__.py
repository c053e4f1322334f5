"""The Telegram channel: Bot API transport, staff group, identity of Telegram people."""
