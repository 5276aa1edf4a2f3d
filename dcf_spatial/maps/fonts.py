"""The CJK font of every map: Noto Sans SC, from a pip dependency, never from the system.

``justmytype-intl-cjk`` ships Google Fonts' Noto Sans SC (SIL Open Font License 1.1) as one
TrueType *variable* font whose default instance is Thin. Matplotlib draws only the default
instance, so :func:`font_files` derives static Regular/Bold instances once with fontTools'
instancer (about 12 s each) and caches them (``DCF_CACHE_DIR`` or ``~/.cache/dcf_spatial``).
TrueType outlines embed cleanly in PDF as Type 42 fonts, so the PDF's text stays text.

:func:`register` adds them to matplotlib's font manager and checks that the probe characters of
the style file have glyphs: if not it raises :class:`FontError` rather than print tofu boxes.
:func:`web_font_css` returns an ``@font-face`` rule with a subset of the font holding just the
characters of one web map, so Chinese renders even on machines without a CJK font.
"""

from __future__ import annotations

import base64
import io
import logging
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import DcfError
from . import style as map_style

logger = logging.getLogger(__name__)
# fontTools logs every subset step at INFO (matplotlib subsets fonts for each PDF): keep -v readable
logging.getLogger("fontTools").setLevel(logging.WARNING)


class FontError(DcfError):
    """The CJK font is missing or lacks glyphs the maps need."""


def cache_dir() -> Path:
    """Where derived font instances are kept: ``DCF_CACHE_DIR`` or the user cache."""
    base = os.environ.get("DCF_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "dcf_spatial")
    return Path(base) / "fonts"


def variable_font_path() -> Path:
    """The variable Noto Sans SC shipped by the font package named in the style file."""
    cfg = map_style.section("font")
    pkg = cfg.get("package", "justmytype_intl_cjk")
    try:
        root = resources.files(pkg)
    except ModuleNotFoundError:
        raise FontError(
            f"未安装字体包 {pkg!r}，地图无法显示中文。请安装本项目的依赖："
            "pip install -e .（其中 justmytype-intl-cjk 提供 Noto Sans SC 字体，SIL OFL 许可）。"
        ) from None
    path = Path(str(root / cfg.get("file", "")))
    if not path.exists():
        raise FontError(f"字体包 {pkg!r} 中找不到字体文件 {path}；请检查样式文件中 [font] 节的 file 项。")
    return path


def _instance_path(weight: int, src: Path) -> Path:
    stat = src.stat()
    return cache_dir() / f"NotoSansSC-w{weight}-{stat.st_size}.ttf"


def _derive_instance(src: Path, weight: int, dest: Path) -> None:
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FontError(f"无法创建字体缓存文件夹 {dest.parent}（{exc}）。请把 DCF_CACHE_DIR 设为可写的文件夹，"
                        "例如 export DCF_CACHE_DIR=/tmp/dcf_cache。") from None
    logger.warning("首次使用：正在由 %s 生成 Noto Sans SC 字重 %d 的字体实例（约 12 秒，仅此一次，缓存于 %s）",
                   src.name, weight, dest.parent)
    font = TTFont(src)
    inst = instancer.instantiateVariableFont(font, {"wght": weight}, updateFontNames=True)
    # the same bytes on every machine and every day: fontTools stamps head.modified with the time of
    # saving, which ends up in every PDF and web map that embeds the font (and README command 1 must
    # leave the committed maps as they are)
    inst.recalcTimestamp = False
    inst["head"].modified = font["head"].modified
    tmp = dest.with_suffix(f".tmp{os.getpid()}")
    inst.save(tmp)
    os.replace(tmp, dest)


@lru_cache(maxsize=1)
def font_files() -> dict[int, Path]:
    """Static instances of the font, weight -> path (derived and cached on first use)."""
    cfg = map_style.section("font")
    src = variable_font_path()
    out = {}
    for w in cfg.get("weights", [400, 700]):
        dest = _instance_path(int(w), src)
        if not dest.exists():
            _derive_instance(src, int(w), dest)
        out[int(w)] = dest
    return out


def missing_glyphs(text: str, path: Path | None = None) -> list[str]:
    """Characters of ``text`` (other than whitespace) that the font has no glyph for."""
    path = path or font_files()[min(font_files())]
    cmap = _cmap(str(path), Path(path).stat().st_mtime_ns)
    return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})


@lru_cache(maxsize=4)
def _cmap(path: str, mtime_ns: int) -> frozenset:
    """The code points a font file has glyphs for (read once per file version: ~0.1 s for the CJK font)."""
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(path, lazy=True).getBestCmap())


@lru_cache(maxsize=1)
def register() -> str:
    """Register the CJK font with matplotlib and make it the default family; return the family name.

    Raises
    ------
    FontError
        When the font cannot be found or lacks a glyph of the style file's probe text.
    """
    import matplotlib
    from matplotlib import font_manager

    cfg = map_style.section("font")
    files = font_files()
    for path in files.values():
        font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(files[min(files)])).get_name()
    missing = missing_glyphs(cfg.get("probe", "东昌府区"), files[min(files)])
    if missing:
        raise FontError(f"字体 {files[min(files)]} 缺少字符 {''.join(missing)!r} 的字形，地图上会显示成方框（tofu）。"
                        "请在样式文件的 [font] 节改用覆盖简体中文的字体。")
    matplotlib.rcParams["font.family"] = [family, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["pdf.fonttype"] = 42
    matplotlib.rcParams["ps.fonttype"] = 42
    logger.info("Registered CJK font %s (%s)", family, ", ".join(p.name for p in files.values()))
    return family


def check_text(text: str) -> None:
    """Raise :class:`FontError` if ``text`` (a title, a label) has characters the font cannot draw."""
    missing = missing_glyphs(text)
    if missing:
        raise FontError(f"地图字体缺少 {text[:40]!r} 中字符 {''.join(missing)!r} 的字形，印出来会是方框（tofu）。"
                        "请替换这些字符，或在样式文件中改用其他字体。")


def web_font_css(text: str, *, family: str = "Noto Sans SC") -> str:
    """An ``@font-face`` rule embedding the font subset to the characters of ``text`` (base64 TTF).

    Subsetting the whole CJK font takes seconds per weight; the rule is kept in the font cache, named
    by the characters, the family, the font files (name, size, modification time) and the fontTools
    version, so a map drawn again with the same text reuses it (the same bytes: it is the same subset).
    """
    import hashlib

    import fontTools

    chars = sorted(set(text) | set("0123456789.,:;()（）%-/ 千米"))
    files = font_files()
    key = hashlib.sha256("|".join([family, "".join(chars), fontTools.version] + [
        f"{w}:{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for w, p in files.items()]).encode("utf-8")).hexdigest()
    kept = cache_dir() / f"webfont-{key[:40]}.css"
    if kept.is_file():
        return kept.read_text(encoding="ascii")
    css = _web_font_css(chars, files, family)
    try:
        tmp = kept.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(css, encoding="ascii")
        os.replace(tmp, kept)
        for old in sorted(kept.parent.glob("webfont-*.css"), key=lambda f: f.stat().st_mtime, reverse=True)[32:]:
            old.unlink(missing_ok=True)  # a few dozen maps' worth; older ones are made again when needed
    except OSError as exc:  # a read-only cache: the next map subsets again
        logger.debug("web font subset not cached in %s: %s", kept.parent, exc)
    return css


def _web_font_css(chars: list[str], files: dict[int, Path], family: str) -> str:
    from fontTools import subset

    rules = []
    for weight, path in files.items():
        opts = subset.Options()
        opts.layout_features = ["*"]
        opts.name_IDs = ["*"]
        opts.notdef_outline = True
        font = subset.load_font(str(path), opts, lazy=True)
        sub = subset.Subsetter(opts)
        sub.populate(unicodes=[ord(c) for c in chars])
        sub.subset(font)
        font.recalcTimestamp = False  # keep the cached instance's head.modified: the same bytes each run
        buf = io.BytesIO()
        font.save(buf)
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        rules.append(f"@font-face{{font-family:'{family}';font-weight:{weight};font-style:normal;"
                     f"src:url(data:font/ttf;base64,{data}) format('truetype');}}")
    return "\n".join(rules)
