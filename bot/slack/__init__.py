"""The Slack surface: command parsing, Block Kit builders, Bolt listeners."""
