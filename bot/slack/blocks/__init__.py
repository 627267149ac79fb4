"""Pure Block Kit builders: data in, Slack JSON (dicts) out. No I/O."""
