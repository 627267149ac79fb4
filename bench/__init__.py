"""Benchmarks for Bookable for Slack: `python -m bench [--quick]`.

Every figure is measured side by side in one run on this machine: the app runs as a real
`bookable-bot serve` subprocess against the sandbox and the fake Slack (each in its own
subprocess), driven over loopback HTTP by the load generator in this process.
"""
