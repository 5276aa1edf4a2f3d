"""The desk's pages: static HTML of the package (Chinese UI), the data fetched from the API."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

from ..app import STATIC_DIR

router = APIRouter(include_in_schema=False)


@router.get("/")
def home():
    return RedirectResponse("/site", status_code=307)


@router.get("/site")
def site_page():
    """选址核查."""
    return FileResponse(STATIC_DIR / "site.html", media_type="text/html; charset=utf-8")
