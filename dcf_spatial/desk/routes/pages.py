"""The desk's pages: static HTML of the package (Chinese UI), the data fetched from the API."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse

from ..paths import STATIC_DIR

router = APIRouter(include_in_schema=False)


@router.get("/")
def home():
    return RedirectResponse("/site", status_code=307)


@router.get("/site")
def site_page():
    """选址核查."""
    return FileResponse(STATIC_DIR / "site.html", media_type="text/html; charset=utf-8")


@router.get("/batch")
def batch_page():
    """批量核查."""
    return FileResponse(STATIC_DIR / "batch.html", media_type="text/html; charset=utf-8")


@router.get("/audit")
def audit_page():
    """闲置土地审计 and 亩产效益评价."""
    return FileResponse(STATIC_DIR / "audit.html", media_type="text/html; charset=utf-8")


@router.get("/layers")
def layers_page(request: Request):
    """图层: the catalog, versions, import with a preview, reset. The page carries the desk's write
    token (the import and reset requests send it in a header), so it is served only to a request
    addressed to this server by a loopback name (or carrying the desk's access token)."""
    from html import escape

    from .layers import host_allowed

    if not host_allowed(request):
        return JSONResponse({"error": "请用 http://127.0.0.1:端口/ 打开工作台（本机工作台只接受以本机地址访问）。"},
                            status_code=403)
    page = (STATIC_DIR / "layers.html").read_text(encoding="utf-8")
    page = page.replace("{{WRITE_TOKEN}}", escape(request.app.state.write_token, quote=True))
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


@router.get("/static/font/NotoSansSC.ttf")
def cjk_font():
    """Noto Sans SC from the ``justmytype-intl-cjk`` package (SIL OFL), for a PC with no Chinese font;
    the page lists installed fonts first, so a browser that has one never downloads this."""
    from ...maps.fonts import variable_font_path

    return FileResponse(variable_font_path(), media_type="font/ttf", headers={"Cache-Control": "max-age=86400"})


@router.get("/favicon.ico")
def favicon():
    from fastapi.responses import Response

    return Response(status_code=204)
