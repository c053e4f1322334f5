"""The channel-free core: what every channel (Telegram, Signal) shares.

Nothing here imports aiogram or any other channel library; tests/test_layering.py checks it.
"""
