"""Helper process for the migration race test: `python connect_once.py URL CONNECT_ARGS`.

Prints "ready" once imported, waits for a line on stdin, then opens (and so migrates)
the store and prints "migrated".
"""

from __future__ import annotations

import asyncio
import json
import sys

from bot.store import Store


async def main(url: str, connect_args: dict[str, object]) -> None:
    store = await Store.connect(url, connect_args=connect_args)
    await store.close()


if __name__ == "__main__":
    print("ready", flush=True)
    sys.stdin.readline()
    asyncio.run(main(sys.argv[1], json.loads(sys.argv[2])))
    print("migrated", flush=True)
