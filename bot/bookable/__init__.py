"""Typed async client for the Bookable API. Knows nothing about Slack."""
