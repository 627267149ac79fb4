"""A fake Slack for tests, benchmarks and the playground.

`FakeSlack` answers like Slack's Web API (a Starlette app); `SlackDriver` plays Slack's
client side, sending signed interactions to the app. See docs/architecture.md.
"""

from bot.devtools.fake_slack.directory import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    Channel,
    User,
)
from bot.devtools.fake_slack.driver import ClientValidationError, SlackDriver
from bot.devtools.fake_slack.faults import Fault
from bot.devtools.fake_slack.server import FakeSlack
from bot.devtools.fake_slack.wire import RecordedCall

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "TEAM_DOMAIN",
    "Channel",
    "ClientValidationError",
    "FakeSlack",
    "Fault",
    "RecordedCall",
    "SlackDriver",
    "User",
]
