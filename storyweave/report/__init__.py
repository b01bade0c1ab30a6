"""Report: a :class:`~storyweave.model.Story` as JSON, Markdown or one self-contained HTML file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from storyweave.report.html import render_html
from storyweave.report.json import render_json, story_to_dict
from storyweave.report.markdown import render_markdown

RENDERERS: dict[str, Callable[[Any], str]] = {
    "json": render_json,
    "md": render_markdown,
    "html": render_html,
}


def render(story: Any, fmt: str = "json") -> str:
    try:
        return RENDERERS[fmt](story)
    except KeyError:
        raise ValueError(f"unknown format '{fmt}' (choose from {', '.join(RENDERERS)})") from None


__all__ = ["RENDERERS", "render", "render_html", "render_json", "render_markdown", "story_to_dict"]
