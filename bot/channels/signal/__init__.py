"""Signal, through signal-cli's JSON-RPC daemon (`signal-cli daemon --http`).

rpc.py: the daemon's JSON-RPC (sends) and Server-Sent Events (incoming) with reconnect and
Last-Event-ID resume; transport.py: sends with an outcome and retries after a rate limit;
conversation.py: menus as numbered replies over the content, feedback and privacy services;
runner.py: wires them to the database. Nothing here imports aiogram.
"""
