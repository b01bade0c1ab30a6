"""The web desk and REST API over the story store (FastAPI + Jinja2 on uvicorn).

:func:`storyweave.web.app.create_app` builds the application; ``storyweave serve`` runs it.
Routes are thin: they call :mod:`storyweave.desk` and the store, and render or return what
those give back.
"""

from storyweave.web.app import create_app

__all__ = ["create_app"]
