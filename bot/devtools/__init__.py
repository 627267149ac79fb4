"""Local stand-ins for Slack and Bookable, shipped in the package for tests and the playground."""
