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


@router.get("/static/font/desk-font.css")
def cjk_font_css(request: Request):
    """The pages' Chinese font for a PC without one (the pages list installed fonts first): two faces of
    one family, each with its ``unicode-range``, so a browser downloads only the faces its text needs —
    a WOFF of about 0.2 MB holding the characters of the desk's pages and of the layers' names and
    attributes (:func:`dcf_spatial.maps.fonts.page_font`), and the whole 17 MB font only for a character
    outside it (an answer's rarer character)."""
    from fastapi.responses import Response

    from ...maps.fonts import unicode_ranges

    chars, name = page_font_entry(request.app)
    css = (f'@font-face{{font-family:"DeskCJK";src:url(/static/font/NotoSansSC.ttf) format("truetype");'
           f"font-weight:100 900;font-display:swap;unicode-range:{unicode_ranges(chars, complement=True)};}}\n"
           f'@font-face{{font-family:"DeskCJK";src:url(/static/font/{name}) format("woff");'
           f"font-weight:100 900;font-display:swap;unicode-range:{unicode_ranges(chars)};}}\n")
    return Response(css, media_type="text/css; charset=utf-8", headers={"Cache-Control": "no-cache"})


def page_font_entry(app) -> tuple[str, str]:
    """The page font's characters and file name for the store's present state (held by the app; the
    store must be active)."""
    from ...maps.fonts import page_font
    from .api import map_layers_entry

    entry = map_layers_entry(app)
    held = app.state.page_font
    if held.get("etag") != entry["etag"]:
        text = entry["body"].decode("utf-8")
        for path in sorted(STATIC_DIR.iterdir()):
            if path.suffix in (".html", ".js", ".css"):
                text += path.read_text(encoding="utf-8")
        chars, path = page_font(text)
        held.clear()
        held.update(etag=entry["etag"], chars=chars, name=path.name, path=path)
    return held["chars"], held["name"]


@router.get("/static/font/{name}")
def cjk_page_font(request: Request, name: str):
    """The WOFF named by ``desk-font.css`` (its name holds a hash of its characters: cached for a year)."""
    page_font_entry(request.app)
    held = request.app.state.page_font
    if name != held.get("name"):
        return JSONResponse({"error": f"没有这个字体文件：{name[:60]}"}, status_code=404)
    return FileResponse(held["path"], media_type="font/woff", headers={"Cache-Control": "max-age=31536000, immutable"})


@router.get("/favicon.ico")
def favicon():
    from fastapi.responses import Response

    return Response(status_code=204)
