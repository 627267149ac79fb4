"""The HTTP server: one Starlette app for Slack, the Bookable webhook and health checks."""
