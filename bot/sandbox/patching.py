"""JSON Patch (RFC 6902) for bookings, with Bookable's rules (§6.6).

Only add, remove and replace; read-only paths are refused, and so is any path the docs do
not list as patchable; preorder packages and menus are addressed by id (index-based paths
are refused, as Bookable documents).
"""

from __future__ import annotations

import copy
from typing import Any

from bot.sandbox.problems import invalid

OPS = frozenset({"add", "remove", "replace"})
READ_ONLY = frozenset(
    {
        "id",
        "compositeId",
        "status",
        "reference",
        "venueGroupName",
        "location",
        "productName",
        "createdDate",
        "lastUpdate",
        "source",
    }
)
SCALARS = frozenset(
    {
        "date",
        "time",
        "duration",
        "partySize",
        "firstName",
        "lastName",
        "email",
        "phone",
        "notes",
        "partnerBookingId",
        "operatorBookingId",
    }
)  # exactly the patchable paths §6.6 lists; any other (e.g. /company, /spaceId) is refused
PREORDER_KINDS = frozenset({"packages", "menus"})


def _segments(path: str) -> list[str]:
    if not path.startswith("/"):
        raise invalid(f"path {path!r} must start with '/'.")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _looks_like_index(segment: str) -> bool:
    return segment.isdigit() and len(segment) < 8  # ids are long hex strings


def apply_patch(view: dict[str, Any], operations: Any) -> dict[str, Any]:
    """Apply every operation to a copy of `view`, or raise a 400 for the first bad one."""
    if not isinstance(operations, list) or not operations:
        raise invalid("The body must be a non-empty JSON Patch array.")
    patched = copy.deepcopy(view)
    for index, operation in enumerate(operations):
        if not isinstance(operation, dict):
            raise invalid(f"operation {index} must be an object.")
        op, path = operation.get("op"), operation.get("path")
        if op not in OPS:
            raise invalid(f"operation {index}: op must be one of add, remove, replace.")
        if not isinstance(path, str):
            raise invalid(f"operation {index}: path is required.")
        if op != "remove" and "value" not in operation:
            raise invalid(f"operation {index}: value is required for {op}.")
        _apply(patched, op, _segments(path), operation.get("value"), path)
    return patched


def _apply(view: dict[str, Any], op: str, segments: list[str], value: Any, path: str) -> None:
    head = segments[0]
    if head in READ_ONLY:
        raise invalid(f"path {path} is read-only.")
    if head in SCALARS and len(segments) == 1:
        view[head] = None if op == "remove" else value
        return
    if head == "preorders" and len(segments) >= 2 and segments[1] in PREORDER_KINDS:
        _apply_preorder(view["preorders"][segments[1]], op, segments[2:], value, path)
        return
    raise invalid(f"path {path} cannot be patched.")


def _apply_preorder(
    entries: list[dict[str, Any]], op: str, rest: list[str], value: Any, path: str
) -> None:
    if not rest:  # the whole array
        if op == "remove":
            entries.clear()
        elif isinstance(value, list):
            entries[:] = value
        else:
            raise invalid(f"path {path} takes an array.")
        return
    key = rest[0]
    if key == "-":
        if op != "add" or len(rest) != 1:
            raise invalid(f"path {path} only supports add.")
        entries.append(value)
        return
    if _looks_like_index(key):
        raise invalid(f"path {path}: address preorders by id, not by index.")
    ids = [entry.get("id") if isinstance(entry, dict) else None for entry in entries]
    position = ids.index(key) if key in ids else None
    tail = rest[1:]
    if not tail:
        if op == "remove":
            if position is None:
                raise invalid(f"path {path}: no preorder with id {key!r}.")
            del entries[position]
            return
        if not isinstance(value, dict):
            raise invalid(f"path {path} takes an object.")
        entry = {**value, "id": key}
        if position is None:
            entries.append(entry)
        else:
            entries[position] = entry
        return
    if position is None:
        raise invalid(f"path {path}: no preorder with id {key!r}.")
    _apply_entry_field(entries[position], op, tail, value, path)


def _apply_entry_field(
    entry: dict[str, Any], op: str, tail: list[str], value: Any, path: str
) -> None:
    field = tail[0]
    if field == "quantity" and len(tail) == 1 and op != "remove":
        entry["quantity"] = value
        return
    if field == "items" and "items" in entry:
        items = entry["items"]
        if len(tail) == 1 and op == "replace" and isinstance(value, list):
            entry["items"] = value
            return
        if tail[1:] == ["-"] and op == "add":
            items.append(value)
            return
        if len(tail) == 2 and not _looks_like_index(tail[1]):
            if op != "remove" and not isinstance(value, dict):
                raise invalid(f"path {path} takes an object.")
            kept = [i for i in items if not (isinstance(i, dict) and i.get("id") == tail[1])]
            entry["items"] = kept if op == "remove" else [*kept, {**value, "id": tail[1]}]
            return
    raise invalid(f"path {path} cannot be patched.")
