"""Erasure and retention: a person's data goes on request (/delete) and when it is no
longer needed (the nightly purge), by one path, with no Telegram in it."""
