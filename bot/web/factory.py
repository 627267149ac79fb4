"""`create_app()`: the ASGI app built from the environment, for `serve --workers N`.

uvicorn starts each worker process fresh and needs an import string to build the app in
it; `serve` puts its --host/--port into the environment first, so every worker reads the
same settings the parent already validated.
"""

from __future__ import annotations

from starlette.applications import Starlette

from bot.config import load_settings
from bot.logging_setup import configure_logging
from bot.web.app import build_asgi_app

FACTORY = "bot.web.factory:create_app"


def create_app() -> Starlette:
    settings = load_settings(need_slack=True)
    configure_logging(settings.log_level, settings.log_format)
    return build_asgi_app(settings)
