"""Telegram for clients and workers, through python-telegram-bot, inside the gateway."""
