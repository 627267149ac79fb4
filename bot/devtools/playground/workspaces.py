"""The playground with two workspaces (`bookable-bot playground --workspaces 2`): the app in
OAuth mode, installed in the fake's own workspace and in a second one, with its own people
and its own (private) channel. Choosing a person in the page's "You are" list chooses their
workspace: they see only its channels, and their requests carry its team id, so the
isolation (bookings, notifications, each posted with its workspace's token) can be seen."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.devtools.fake_slack import BOT_USER_ID, Channel, User

if TYPE_CHECKING:
    from bot.devtools.stack import LocalStack

SECOND_TEAM = "T0SECOND"
SECOND_CHANNEL = "C_SECOND"
SECOND_USERS = (
    User("U_DAVE", "dave", "Dave (Second Co)", "Example", "dave@second.example"),
    User("U_ERIN", "erin", "Erin (Second Co)", "Example", "erin@second.example", is_admin=True),
)


@dataclass(frozen=True)
class Workspaces:
    """Who belongs to which workspace; anyone not listed is in the fake's own."""

    default_team: str
    members: dict[str, str] = field(default_factory=dict)  # user id → team id
    channels: dict[str, frozenset[str]] = field(default_factory=dict)  # team → its channels

    def team_of(self, user_id: str) -> str:
        return self.members.get(user_id, self.default_team)

    def channels_of(self, user_id: str) -> frozenset[str] | None:
        """The only channels `user_id` sees (None: every channel visible to them)."""
        return self.channels.get(self.team_of(user_id))


def add_second_workspace(stack: LocalStack) -> Workspaces:
    """Its people and channel in the fake, then Add to Slack in both workspaces."""
    for user in SECOND_USERS:
        stack.fake.add_user(user)
    members = [user.id for user in SECOND_USERS]
    stack.fake.add_channel(
        Channel(SECOND_CHANNEL, "second-co", [*members, BOT_USER_ID], is_private=True)
    )
    for team in (stack.fake.team_id, SECOND_TEAM):
        if stack.install_workspace(team).status_code != 200:
            raise RuntimeError(f"could not install the app in the playground workspace {team}")
    return Workspaces(
        default_team=stack.fake.team_id,
        members={user: SECOND_TEAM for user in members},
        channels={SECOND_TEAM: frozenset({SECOND_CHANNEL})},
    )
