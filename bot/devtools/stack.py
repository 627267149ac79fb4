"""`LocalStack`: the app, the embedded Bookable sandbox and the fake Slack, all on loopback.

Tests, benchmarks and the playground use it so that every request travels over real HTTP,
signed the way Slack and Bookable sign it.
"""

from __future__ import annotations

import html
import re
import secrets
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet

from bot.config import LOCAL_SANDBOX_PREFIX, Settings, load_settings
from bot.devtools.fake_slack import FakeSlack, SlackDriver
from bot.devtools.serving import BackgroundServer, free_port
from bot.web.app import build_asgi_app


def distinctive_secrets() -> dict[str, str]:
    """Fresh, recognisable secret values, so scans for leaks can look for them."""
    return {
        "slack_bot_token": "xoxb-test-" + secrets.token_hex(12),
        "slack_signing_secret": "signsecret" + secrets.token_hex(12),
    }


def add_to_slack_link(page: str) -> str:
    """The Add to Slack link of the app's install page."""
    link = re.search(r'href="([^"]+/oauth/v2/authorize[^"]*)"', page)
    if link is None:
        raise RuntimeError("no Add to Slack link on the install page")
    return html.unescape(link.group(1))


class LocalStack:
    def __init__(
        self,
        *,
        database_url: str | None = None,
        settings_overrides: dict[str, Any] | None = None,
        fake_slack_options: dict[str, Any] | None = None,
        app_port: int | None = None,
        oauth: bool = False,
    ) -> None:
        """`oauth`: many-workspace mode (SLACK_CLIENT_ID, no bot token); workspaces are
        added with `install_workspace`."""
        self.oauth = oauth
        self._tmp = tempfile.TemporaryDirectory(prefix="bookable-stack-")
        self.database_url = database_url or f"sqlite+aiosqlite:///{Path(self._tmp.name)}/bot.db"
        self._secrets = distinctive_secrets()
        self.signing_secret = self._secrets["slack_signing_secret"]
        self.bot_token = self._secrets["slack_bot_token"]
        self.fake = FakeSlack(
            bot_token=self.bot_token,
            signing_secret=self.signing_secret,
            **(fake_slack_options or {}),
        )
        self._slack_server = BackgroundServer(self.fake.app)
        self.app_port = app_port or free_port()
        self._overrides = settings_overrides or {}
        self._app_server: BackgroundServer | None = None
        self.settings: Settings | None = None
        self.driver: SlackDriver | None = None

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    @property
    def sandbox_url(self) -> str:
        return self.app_url + LOCAL_SANDBOX_PREFIX

    @property
    def slack_url(self) -> str:
        return self._slack_server.url

    def build_settings(self) -> Settings:
        values: dict[str, Any] = {
            **self._secrets,
            **(self._oauth_settings() if self.oauth else {}),
            "slack_api_url": f"{self.slack_url}/api/",
            "bookable_env": "local",
            "database_url": self.database_url,
            "host": "127.0.0.1",
            "port": self.app_port,
            "notifier_channel_rate": 50.0,
            "notifier_channel_burst": 10,
        }
        values.update(self._overrides)
        return load_settings(_env_file=None, **values)

    def _oauth_settings(self) -> dict[str, Any]:
        return {
            "slack_bot_token": None,
            "slack_client_id": self.fake.oauth.client_id,
            "slack_client_secret": self.fake.oauth.client_secret,
            "slack_authorize_url": f"{self.slack_url}/oauth/v2/authorize",
            "slack_redirect_uri": f"{self.app_url}/slack/oauth_redirect",
            "bot_encryption_key": Fernet.generate_key().decode(),
        }

    def install_workspace(
        self, team_id: str, *, enterprise_id: str | None = None, org_wide: bool = False
    ) -> httpx.Response:
        """Add to Slack as a browser does: /slack/install, the (fake) consent page, then
        the app's OAuth redirect; the final page's response."""
        self.fake.install(team_id, enterprise_id=enterprise_id, org_wide=org_wide)
        with httpx.Client(timeout=10, follow_redirects=True) as browser:
            page = self.open_install_page(browser)
            return browser.get(add_to_slack_link(page.text))

    def open_install_page(self, browser: httpx.Client) -> httpx.Response:
        """GET /slack/install, keeping the state cookie. Bolt marks it Secure, which a
        browser honours on http://localhost but httpx does not: set it plainly."""
        page = browser.get(f"{self.app_url}/slack/install")
        page.raise_for_status()
        cookie = SimpleCookie(page.headers.get("set-cookie", ""))
        for name, morsel in cookie.items():
            browser.cookies.set(name, morsel.value)
        return page

    def driver_for(
        self, team_id: str, *, enterprise_id: str | None = None, org_wide: bool = False
    ) -> SlackDriver:
        """A driver whose requests come from another workspace (OAuth mode)."""
        return SlackDriver(
            self.fake, self.app_url, self.signing_secret,
            team_id=team_id, enterprise_id=enterprise_id, org_wide=org_wide,
        )  # fmt: skip

    def start(self) -> LocalStack:
        self._slack_server.start()
        self.fake.base_url = self._slack_server.url
        self.settings = self.build_settings()
        self.start_app()
        self.driver = SlackDriver(self.fake, self.app_url, self.signing_secret)
        return self

    def start_app(self) -> None:
        assert self.settings is not None
        app = build_asgi_app(self.settings, public_base=self.app_url)
        self._app_server = BackgroundServer(app, port=self.app_port).start()
        self.wait_for_webhook_registration()

    def stop_app(self) -> None:
        if self._app_server is not None:
            self._app_server.stop()
            self._app_server = None

    def wait_for_webhook_registration(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.sandbox_state()
            if state.get("webhook"):
                return
            time.sleep(0.05)
        raise RuntimeError("the app did not register its webhook with the local sandbox")

    # --- sandbox control (as a venue or a test would) -----------------------------------

    def sandbox_state(self) -> dict[str, Any]:
        return httpx.get(f"{self.sandbox_url}/_control/state", timeout=10).json()

    def sandbox_control(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.post(f"{self.sandbox_url}/_control/{path}", json=body or {}, timeout=10)
        response.raise_for_status()
        return response.json() if response.content else {}

    def stop(self) -> None:
        self.stop_app()
        self._slack_server.stop()
        self._tmp.cleanup()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
