"""Make web maps work with no network: Leaflet inlined from a pip package, no CDN reference.

Folium normally links Leaflet, jQuery, Bootstrap, awesome-markers and Font-Awesome from CDNs.
Our maps use none of the jQuery/Bootstrap/marker-icon features (vector layers, circle markers and
our own small controls only), so the only assets needed are Leaflet's JS and CSS. They come from
the ``xstatic-leaflet`` package (package data, a maintained repackaging of upstream Leaflet);
the images its CSS refers to are inlined as ``data:`` URIs so that not even a local file is
requested. :func:`assert_offline` refuses to write a map that would still load anything remote.
"""

from __future__ import annotations

import base64
import logging
import re
from functools import lru_cache
from pathlib import Path

from ..errors import DcfError

logger = logging.getLogger(__name__)


class OfflineAssetError(DcfError):
    """A web map would load a script, stylesheet or image from the network."""


def _leaflet_dir() -> Path:
    try:
        import xstatic.pkg.leaflet as xleaflet
    except ImportError:  # pragma: no cover - it is a hard dependency
        raise OfflineAssetError(
            "缺少软件包 xstatic-leaflet，无法把 Leaflet 内嵌进地图。"
            "请安装：pip install xstatic-leaflet（它是 dcf_spatial 的依赖）。"
        ) from None
    return Path(xleaflet.BASE_DIR)


@lru_cache(maxsize=1)
def leaflet_js() -> str:
    """Leaflet's minified JS, from xstatic-leaflet."""
    return (_leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def leaflet_css() -> str:
    """Leaflet's CSS with every ``url(images/…)`` replaced by a ``data:`` URI."""
    base = _leaflet_dir()
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match) -> str:
        rel = match.group(1).strip("'\"")
        if rel.startswith(("#", "data:")):  # IE's behavior:url(#default#VML) fetches nothing
            return match.group(0)
        f = base / rel
        if not f.exists():
            raise OfflineAssetError(f"leaflet.css 引用了 {rel}，但 xstatic-leaflet 中没有这个文件；请重新安装 xstatic-leaflet。")
        mime = "image/svg+xml" if f.suffix == ".svg" else f"image/{f.suffix.lstrip('.')}"
        return f"url(data:{mime};base64,{base64.b64encode(f.read_bytes()).decode('ascii')})"

    return re.sub(r"url\(([^)]+)\)", inline, css)


def strip_cdn_links(element) -> None:
    """Remove the CDN JS/CSS that folium's own elements would add (instance-level, recursively)."""
    from folium.elements import JSCSSMixin

    if isinstance(element, JSCSSMixin):
        element.default_js = []
        element.default_css = []
    for child in list(getattr(element, "_children", {}).values()):
        strip_cdn_links(child)


# A tag that makes the browser fetch something: <script src>, <link href>, <img src>, CSS url(), @import.
_FETCH_PATTERNS = [
    re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?([^\"'\s>]+)", re.I),
    re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?([^\"'\s>]+)", re.I),
    re.compile(r"<img\b[^>]*\bsrc\s*=\s*[\"']?([^\"'\s>]+)", re.I),
    re.compile(r"url\(\s*[\"']?((?:https?:)?//[^\"')\s]+)", re.I),
    re.compile(r"@import\s+(?:url\()?\s*[\"']?([^\"')\s;]+)", re.I),
]


def remote_references(html: str) -> list[str]:
    """Every URL in ``html`` that a browser would fetch on load (data: URIs excluded)."""
    found = []
    for pat in _FETCH_PATTERNS:
        for m in pat.finditer(html):
            url = m.group(1)
            if not url.startswith("data:"):
                found.append(url)
    return found


def assert_offline(html: str, *, where: str = "map") -> None:
    """Raise :class:`OfflineAssetError` if ``html`` would load anything when opened."""
    refs = remote_references(html)
    if refs:
        raise OfflineAssetError(
            f"{where}：该 HTML 会加载 {len(refs)} 个外部资源（external resources：{', '.join(refs[:5])}），在不联网的内网中打不开。"
            "请把这些资源内嵌（见 dcf_spatial.maps.offline），或不用在线底图（basemap='none'）。"
        )
