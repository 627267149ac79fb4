"""Preorders chosen by a guest, checked against the venue's catalogue and priced from it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bot.sandbox.problems import invalid


class PreorderChoice(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(default=1, ge=1, le=1000)


class MenuChoice(PreorderChoice):
    items: list[PreorderChoice] = Field(default_factory=list)


class PreorderSelection(BaseModel):
    model_config = ConfigDict(extra="ignore")

    packages: list[PreorderChoice] = Field(default_factory=list)
    menus: list[MenuChoice] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return not self.packages and not self.menus


def resolve(selection: PreorderSelection, catalogue: dict[str, Any] | None) -> dict[str, Any]:
    """The stored form: catalogue fields (name, price, …) plus the guest's quantities."""
    catalogue = catalogue or {}
    packages = {p["id"]: p for p in catalogue.get("packages") or []}
    menus = {m["id"]: m for m in catalogue.get("menus") or []}
    chosen_packages = []
    for choice in selection.packages:
        if choice.id not in packages:
            raise invalid(f"preorders.packages: unknown package id {choice.id!r}.")
        package = packages[choice.id]
        chosen_packages.append(
            {
                "id": choice.id,
                "name": package.get("name"),
                "description": package.get("description"),
                "type": package.get("type"),
                "price": package.get("price"),
                "quantity": choice.quantity,
            }
        )
    chosen_menus = []
    for choice in selection.menus:
        if choice.id not in menus:
            raise invalid(f"preorders.menus: unknown menu id {choice.id!r}.")
        items = [item.model_dump() for item in choice.items]
        chosen_menus.append(
            {"id": choice.id, "name": menus[choice.id].get("name"), "quantity": choice.quantity}
            | {"items": items}
        )
    return {"packages": chosen_packages, "menus": chosen_menus}


def selection_of(stored: dict[str, Any]) -> dict[str, Any]:
    """Back to the writable fields only (what a JSON Patch may touch)."""
    return {
        "packages": [{"id": p["id"], "quantity": p["quantity"]} for p in stored["packages"]],
        "menus": [
            {"id": m["id"], "quantity": m["quantity"], "items": list(m.get("items", []))}
            for m in stored["menus"]
        ],
    }
