"""Scheduled pushes: campaigns, a rate-limited sender and the delivery ledger.

A campaign is one push to an audience at a time (a survey invitation, its reminder, or a
staff announcement). When it starts, its audience is written to the ledger (`deliveries`,
one row per recipient) in one transaction, so people who opt in or out later neither get
it half-way nor are skipped. The sender then works the ledger:

    claim (pending -> sending, commit)  ->  send  ->  record (sent | failed | blocked, commit)

Exactly-once policy:

* A row is marked "sent" only after the Bot API answered. A worker does not take a new row
  before its last outcome is committed, so at most `concurrency` rows are ever "sent to
  Telegram but not yet recorded".
* Graceful stop (SIGTERM, quiet hours, cancel): no new claims, rows claimed but not yet
  sent go back to "pending", in-flight sends finish and are recorded. Nobody gets a push
  twice and nobody is skipped.
* Hard kill (SIGKILL, power loss): rows left "sending" may or may not have reached the
  person. Telegram has no idempotency key, so on resume they are sent again (once): at
  least once for those rows only, at most `concurrency` of them. Everyone else: exactly once.
  A resuming process takes over "sending" rows only when they were claimed more than
  `push_reclaim_seconds` ago, so it never re-sends what a live worker is sending right now.
* On PostgreSQL rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED (bot/db/claims.py),
  so two processes working one campaign split it without duplicates. SQLite serialises writers.

This package knows nothing about Telegram: it renders `Push` objects (core `OutgoingMessage`s:
text and buttons as plain data) and hands them to a core `Transport`, which the composition
root picks per channel (bot/channels/telegram/transport.py for Telegram).
"""
