"""Outbox to Slack: the notifier worker, what one job does in Slack, and per-channel pacing."""
