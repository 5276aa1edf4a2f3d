"""规划工作台 — the planning desk: a local web app and HTTP API over the public ``dcf_spatial`` API.

``create_app(store, token=…)`` builds the ASGI app (FastAPI); ``serve(host=…, port=…)`` runs it on
uvicorn (what ``dcf serve`` calls). Pages and every asset (Leaflet from ``xstatic-leaflet``, the
desk's own JS/CSS, the OpenAPI docs page from ``fastapi-offline``) are served from installed
packages: the desk works with no internet.

Examples
--------
>>> from dcf_spatial.desk import serve
>>> serve(port=8765, open_browser=False)   # doctest: +SKIP
"""

from __future__ import annotations

from .app import create_app
from .server import serve

__all__ = ["create_app", "serve"]
