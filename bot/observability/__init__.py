"""What operators see: Prometheus metrics and the per-request correlation id.

Imports nothing from `bot.slack`, `bot.store` or `bot.service`, so `bot.bookable` may use it.
"""
