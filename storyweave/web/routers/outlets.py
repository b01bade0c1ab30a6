"""``/api/v1/outlets``: the sources articles came from."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from storyweave import desk
from storyweave.web.deps import ApiError, StoreDep
from storyweave.web.models import OutletRow

router = APIRouter(prefix="/api/v1/outlets", tags=["outlets"])


@router.get("", response_model=list[OutletRow], summary="Outlets, in most stories first")
def list_outlets(store: StoreDep, limit: int = Query(200, ge=1, le=5000)) -> list[OutletRow]:
    return [OutletRow(**r) for r in store.outlets(limit=limit)]


@router.get("/{source:path}", summary="An outlet's stories, exclusives and firsts")
def get_outlet(source: str, store: StoreDep) -> dict[str, Any]:
    view = desk.outlet_view(store, source)
    if view is None:
        raise ApiError(404, "outlet_not_found", f"no outlet '{source}'")
    return view
