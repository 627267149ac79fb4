"""The `bookable-bot` console script."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from bot import __version__
from bot.config import Settings, SettingsError, exit_on_settings_error, load_settings
from bot.logging_setup import configure_logging


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except SettingsError as error:
        return exit_on_settings_error(error)
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bookable-bot", description="Bookable for Slack: book tables from Slack."
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}", help="show the version"
    )
    sub = parser.add_subparsers(title="commands")

    serve = sub.add_parser("serve", help="run the Slack app (HTTP, plus Socket Mode if set)")
    serve.add_argument("--host", help="address to listen on (default: HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: PORT or 3000)")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes serving the one port (more than 1 needs Postgres; default 1)",
    )
    serve.set_defaults(handler=_serve)

    sandbox = sub.add_parser("sandbox", help="run the local Bookable sandbox on its own")
    sandbox.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    sandbox.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    sandbox.set_defaults(handler=_sandbox)

    playground = sub.add_parser("playground", help="try the whole app in your browser")
    playground.add_argument("--port", type=int, default=3000, help="port (default 3000)")
    playground.add_argument("--open", action="store_true", help="open a browser tab")
    playground.add_argument(
        "--workspaces",
        type=int,
        choices=(1, 2),
        default=1,
        help="2: Add to Slack mode, installed in two workspaces (pick a person to switch)",
    )
    playground.set_defaults(handler=_playground)

    webhooks = sub.add_parser("webhooks", help="manage the Bookable webhook registration")
    webhooks.set_defaults(handler=lambda _args: _usage(webhooks))  # no action: its help
    actions = webhooks.add_subparsers(title="actions")
    base_url_help = "the app's public HTTPS address, e.g. https://bot.example.com"
    register = actions.add_parser("register", help="register <public-base-url>/webhooks/bookable")
    register.add_argument("public_base_url", help=base_url_help)
    register.add_argument(
        "--account", help="a workspace's own Bookable account (its id, from the Home tab)"
    )
    register.set_defaults(handler=_webhooks, action="register")
    update = actions.add_parser("update", help="point the webhook at a new base URL")
    update.add_argument("public_base_url", help=base_url_help)
    update.set_defaults(handler=_webhooks, action="update")
    for name, text in (
        ("show", "show where the webhook points and where its secret is stored"),
        ("delete", "delete the webhook and its stored secret"),
        ("test", "ask Bookable to send a test event"),
    ):
        actions.add_parser(name, help=text).set_defaults(handler=_webhooks, action=name)
    outbox = sub.add_parser("outbox", help="list undeliverable Slack updates; retry them")
    outbox.set_defaults(handler=_outbox, action="list")
    outbox_actions = outbox.add_subparsers(title="actions")
    listing = outbox_actions.add_parser("list", help="list dead letters (the default)")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.set_defaults(handler=_outbox, action="list")
    retry = outbox_actions.add_parser("retry", help="put dead letters back to pending")
    retry.add_argument("job_id", nargs="?", type=int, metavar="ID", help="the dead letter's id")
    retry.add_argument(
        "--all", action="store_true", dest="retry_all", help="every dead letter instead"
    )
    retry.set_defaults(handler=_outbox, action="retry")
    return parser


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _serve(args: argparse.Namespace) -> int:
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = load_settings(need_slack=True, **overrides)
    refusal = _workers_problem(args.workers, settings)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    import uvicorn

    from bot.web.app import build_asgi_app
    from bot.web.factory import FACTORY

    options = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level.lower(),
        "log_config": None,  # uvicorn's own lines go through our handler: format and masking
        "access_log": False,
        "timeout_graceful_shutdown": 5,
    }
    if args.workers == 1:
        uvicorn.run(build_asgi_app(settings), **options)  # type: ignore[arg-type]
        return 0
    # Each worker builds its app from the environment: pass it what the flags changed.
    os.environ.update({name.upper(): str(value) for name, value in overrides.items()})
    uvicorn.run(FACTORY, factory=True, workers=args.workers, **options)  # type: ignore[arg-type]
    return 0


def _workers_problem(workers: int, settings: Settings) -> str | None:
    """Why `--workers` can't be used with these settings (None if it can)."""
    if workers < 1:
        return "--workers must be at least 1."
    if workers == 1:
        return None
    if settings.database_url.startswith("sqlite"):
        return (
            f"--workers {workers} needs Postgres: SQLite can't be shared safely by several "
            "processes. Set DATABASE_URL=postgresql+asyncpg://user@host/database, "
            "or run one worker."
        )
    if settings.is_local:
        return (
            f"--workers {workers} can't use BOOKABLE_ENV=local: the embedded sandbox keeps "
            "its state in one process. Run `bookable-bot sandbox` and point "
            "BOOKABLE_API_URL and BOOKABLE_AUTH_URL at it, or run one worker."
        )
    return None


def _sandbox(args: argparse.Namespace) -> int:
    configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
    import uvicorn

    from bot.sandbox import SandboxConfig, SandboxState, create_sandbox_app

    app = create_sandbox_app(SandboxState(SandboxConfig()))
    print(f"Bookable sandbox on http://{args.host}:{args.port}", file=sys.stderr)
    print(
        f"  token: curl -s -X POST http://{args.host}:{args.port}/oauth/token "
        '-H \'Content-Type: application/json\' -d \'{"grant_type":"client_credentials",'
        '"client_id":"local-client","client_secret":"local-secret",'
        '"audience":"api.bookabletech.com"}\'',
        file=sys.stderr,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def _playground(args: argparse.Namespace) -> int:
    configure_logging(os.environ.get("LOG_LEVEL", "WARNING"))
    from bot.devtools.playground import run_playground

    return run_playground(port=args.port, open_browser=args.open, workspaces=args.workspaces)


def _webhooks(args: argparse.Namespace) -> int:
    settings = load_settings(need_slack=False, purpose=f"`bookable-bot webhooks {args.action}`")
    configure_logging(settings.log_level, settings.log_format)
    from bot.cli_webhooks import run_webhook_command

    return asyncio.run(
        run_webhook_command(
            settings,
            args.action,
            getattr(args, "public_base_url", None),
            getattr(args, "account", None),
        )
    )


def _outbox(args: argparse.Namespace) -> int:
    settings = load_settings(
        need_slack=False, need_bookable=False, purpose=f"`bookable-bot outbox {args.action}`"
    )
    configure_logging("WARNING")  # the command's output is the table, not the migrations' log
    from bot.cli_outbox import run_outbox_command

    return asyncio.run(
        run_outbox_command(
            settings,
            args.action,
            job_id=getattr(args, "job_id", None),
            retry_all=getattr(args, "retry_all", False),
            limit=getattr(args, "limit", 50),
        )
    )
