"""Channels other than Telegram. Each talks to the same domain services in bot/."""
