"""``/api/v1/entities``: people, organisations and places the reports name."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from storyweave import desk
from storyweave.web.deps import ApiError, StoreDep
from storyweave.web.models import EntityRow

router = APIRouter(prefix="/api/v1/entities", tags=["entities"])


@router.get("", response_model=list[EntityRow], summary="Entities, in most stories first")
def list_entities(store: StoreDep, limit: int = Query(100, ge=1, le=1000),
                  prefix: str | None = None) -> list[EntityRow]:
    return [EntityRow(**r) for r in store.entities(limit=limit, prefix=prefix)]


@router.get("/{name:path}", summary="An entity's stories and quotes")
def get_entity(name: str, store: StoreDep) -> dict[str, Any]:
    view = desk.entity_view(store, name)
    if view is None:
        raise ApiError(404, "entity_not_found", f"no entity '{name}' in any report")
    return view
