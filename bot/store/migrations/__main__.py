"""`python -m bot.store.migrations revision "message"`: autogenerate the next migration."""

from __future__ import annotations

import argparse

from bot.store.migrate import make_revision


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.store.migrations")
    commands = parser.add_subparsers(dest="command", required=True)
    revision = commands.add_parser("revision", help="autogenerate a migration from schema.py")
    revision.add_argument("message")
    args = parser.parse_args(argv)
    if args.command == "revision":
        make_revision(args.message)


if __name__ == "__main__":
    main()
