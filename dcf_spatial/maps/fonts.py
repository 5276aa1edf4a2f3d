"""The CJK font of every map: Noto Sans SC, from a pip dependency, never from the system.

``justmytype-intl-cjk`` ships Google Fonts' Noto Sans SC (SIL Open Font License 1.1) as one
TrueType *variable* font (about 30,000 glyphs) whose default instance is Thin; matplotlib draws
only the default instance. Two ways to static Regular/Bold instances:

* :func:`subset_files` — what the maps use: the variable font cut down to the characters of a text
  (the appendix maps' titles, labels, legends and notes, :func:`dcf_spatial.maps.print_layout.appendix_text`,
  plus :data:`BASE_TEXT`), then instanced: about 1 s for both weights instead of about 25 s, and a
  PDF that embeds a few hundred glyphs needs no further cutting. Kept in the font cache, named by
  the characters. :func:`print_rc` registers such a subset with matplotlib under a family name of
  its own and returns the rcParams that draw with it; :func:`web_font_css` embeds one in a web map.
* :func:`font_files` — the full instances (derived once, about 12 s each), for text not known in
  advance. The desk's PDF report uses :func:`document_font_files` instead (a kept subset of GB 2312's
  common characters, and a subset of its own for a report with a rarer character), and the desk's
  pages :func:`page_font` (a WOFF of their characters).

Every derived font keeps the source font's ``head.modified``, so a fresh cache gives the same bytes
(README command 1 leaves the committed maps as they are). TrueType outlines embed cleanly in PDF as
Type 42 fonts, so the PDF's text stays text. A character the font lacks raises :class:`FontError`
(:func:`check_text`) rather than print tofu boxes.
"""

from __future__ import annotations

import base64
import io
import logging
import os
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import DcfError
from . import style as map_style

logger = logging.getLogger(__name__)
#: one subset derived at a time in a process: the desk's warm-up and a first PDF asked meanwhile derive it once
#: (the second waits for the first's files instead of spending the same ~9 s of CPU again)
_DERIVING = threading.Lock()
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


#: characters every subset holds besides its text: printable ASCII, the punctuation of Chinese text and
#: what the maps build from numbers (dates, distances, the scale bar)
BASE_TEXT = ("".join(chr(c) for c in range(0x20, 0x7F))
             + "，。、；：？！“”‘’（）《》〈〉【】「」—…·　％‰°×～－／０１２３４５６７８９①②③④⑤⑥⑦⑧⑨⑩千米公里亩")
#: bump when the way subsets are derived changes (a new name in the cache, not a stale file)
SUBSET_RECIPE = "1"


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
    """Characters of ``text`` (other than whitespace) that the font has no glyph for.

    Parameters
    ----------
    text
        Any text.
    path
        A font file; default the variable font (every instance and subset of it has at most its glyphs).

    Returns
    -------
    list of str
        The characters without a glyph, sorted.

    Examples
    --------
    >>> missing_glyphs("东昌府区\ue000")  # doctest: +SKIP
    ['\ue000']
    """
    path = path or variable_font_path()
    cmap = _cmap(str(path), Path(path).stat().st_mtime_ns)
    return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})


@lru_cache(maxsize=4)
def _cmap(path: str, mtime_ns: int) -> frozenset:
    """The code points a font file has glyphs for, read once per file version and kept in the font
    cache beside the subsets (reading the CJK font's cmap with fontTools is ~0.2–0.5 s of CPU, holding
    the GIL, in every process that draws a map; the kept list loads in a few ms). The kept file is
    named by the font file's name, size and modification time: another version is read again."""
    import numpy as np

    src = Path(path)
    kept = cache_dir() / f"cmap-{src.stem}-{src.stat().st_size}-{mtime_ns}.npy"
    try:
        return frozenset(np.load(kept, allow_pickle=False).tolist())
    except (OSError, ValueError):
        pass
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:  # closes the file (a lazy font keeps it open to read tables)
        points = frozenset(font.getBestCmap())
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        tmp = kept.with_name(f"{kept.stem}.tmp{os.getpid()}.npy")
        np.save(tmp, np.array(sorted(points), dtype=np.uint32), allow_pickle=False)
        os.replace(tmp, kept)
    except OSError as exc:  # a read-only cache: the next process reads the font again
        logger.debug("font cmap not cached in %s: %s", kept.parent, exc)
    return points


def _subset_chars(text: str) -> str:
    """The characters a subset for ``text`` holds: those of ``text`` and :data:`BASE_TEXT` that the font has."""
    src = variable_font_path()
    cmap = _cmap(str(src), src.stat().st_mtime_ns)
    return "".join(sorted({c for c in set(text) | set(BASE_TEXT) if ord(c) in cmap}))


def _subset_key(chars: str, src: Path) -> str:
    import hashlib

    import fontTools

    return hashlib.sha256("|".join([SUBSET_RECIPE, fontTools.version, src.name, str(src.stat().st_size), chars])
                          .encode("utf-8")).hexdigest()


def _derive_subset(src: Path, chars: str, weights) -> dict[int, bytes]:
    """Static instances (TrueType bytes) of the variable font ``src`` holding just ``chars``.

    Cutting the variable font first and instancing the cut is what makes this fast: instancing
    applies the variation deltas glyph by glyph, and a map needs a few hundred of the 30,000.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    opts = subset.Options()
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    font = subset.load_font(str(src), opts, lazy=True)
    modified = font["head"].modified
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=[ord(c) for c in chars])
    sub.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    out = {}
    for w in weights:
        inst = instancer.instantiateVariableFont(TTFont(io.BytesIO(buf.getvalue())), {"wght": int(w)},
                                                 updateFontNames=True)
        # the same bytes on every machine and every day: fontTools stamps head.modified with the time
        # of saving, which would end up in every PDF and web map that embeds the font
        inst.recalcTimestamp = False
        inst["head"].modified = modified
        data = io.BytesIO()
        inst.save(data)
        out[int(w)] = data.getvalue()
    return out


def subset_files(text: str) -> dict[int, Path]:
    """Static Regular/Bold instances of the font holding the characters of ``text`` (and :data:`BASE_TEXT`).

    Derived from the variable font on first use (about 1 s for a few hundred characters) and kept in
    the font cache under a name made of the characters, so the same text gives the same files.

    Parameters
    ----------
    text
        Every text the fonts must draw (characters the font lacks are left out).

    Returns
    -------
    dict
        Weight -> path of the TrueType file.

    Examples
    --------
    >>> files = subset_files("聊城市东昌府区")  # doctest: +SKIP
    >>> sorted(files)  # doctest: +SKIP
    [400, 700]
    """
    cfg = map_style.section("font")
    src = variable_font_path()
    chars = _subset_chars(text)
    key = _subset_key(chars, src)
    weights = [int(w) for w in cfg.get("weights", [400, 700])]
    paths = {w: cache_dir() / f"NotoSansSC-w{w}-{src.stat().st_size}-s{key[:20]}.ttf" for w in weights}
    if all(p.is_file() for p in paths.values()):
        return paths
    with _DERIVING:
        if not all(p.is_file() for p in paths.values()):   # another thread may have made them meanwhile
            _write_subset(src, chars, weights, paths)
    return paths


def _write_subset(src: Path, chars: str, weights: list[int], paths: dict[int, Path]) -> None:
    """Derive the subset of ``chars`` into ``paths`` (weight → file) and trim the cache."""
    try:
        cache_dir().mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FontError(f"无法创建字体缓存文件夹 {cache_dir()}（{exc}）。请把 DCF_CACHE_DIR 设为可写的文件夹，"
                        "例如 export DCF_CACHE_DIR=/tmp/dcf_cache。") from None
    logger.info("Deriving a %d-character subset of %s (weights %s)", len(chars), src.name, weights)
    for w, data in _derive_subset(src, chars, weights).items():
        tmp = paths[w].with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(data)
        os.replace(tmp, paths[w])
    # a few dozen texts' worth; older ones are derived again when needed
    for old in sorted(cache_dir().glob("NotoSansSC-w*-s*.ttf"), key=lambda f: f.stat().st_mtime, reverse=True)[64:]:
        old.unlink(missing_ok=True)


def prepare_document_fonts() -> dict[int, Path]:
    """Derive the cached subset of the desk's documents (:func:`document_base_text`) now, if it is not yet in the
    font cache: about 9 s of CPU once (21 s on a loaded machine), which the desk spends in the background as it
    starts rather than in a planner's first PDF download.

    Examples
    --------
    >>> sorted(prepare_document_fonts())   # doctest: +SKIP
    [400, 700]
    """
    return subset_files(document_base_text())


@lru_cache(maxsize=16)
def _register_subset(paths: tuple) -> str:
    """Add the subset files to matplotlib's font manager under a family name of their own; return it."""
    import dataclasses

    from matplotlib import font_manager, ft2font

    # Every subset is "Noto Sans SC" inside; matplotlib picks the first registered file of a family,
    # so two subsets in one process need two names (the files, and so the PDF's font, keep theirs).
    family = f"{map_style.section('font').get('family', 'Noto Sans SC')} dcf-{Path(paths[0]).stem.rsplit('-s', 1)[-1][:8]}"
    for path in paths:
        prop = font_manager.ttfFontProperty(ft2font.FT2Font(str(path)))
        font_manager.fontManager.ttflist.append(dataclasses.replace(prop, name=family))
    return family


def print_rc(text: str) -> dict:
    """rcParams that make matplotlib draw with a subset of the CJK font holding ``text``'s characters.

    Use with ``matplotlib.rc_context``. Characters the subset lacks fall back to DejaVu Sans
    (matplotlib's per-glyph fallback); :func:`uncovered` finds them before a figure is saved.

    Parameters
    ----------
    text
        Every text the figure will draw (see :func:`dcf_spatial.maps.print_layout.appendix_text`).

    Returns
    -------
    dict
        rcParams: the font family, Type 42 fonts in PDF/PS, an ASCII minus.

    Raises
    ------
    FontError
        When the font cannot be found, or lacks a glyph of the style file's probe text.

    Examples
    --------
    >>> import matplotlib
    >>> with matplotlib.rc_context(print_rc("附图1 产业布局示意图")):  # doctest: +SKIP
    ...     fig = matplotlib.pyplot.figure()
    """
    cfg = map_style.section("font")
    probe = cfg.get("probe", "东昌府区")
    missing = missing_glyphs(probe)
    if missing:
        raise FontError(f"字体 {variable_font_path()} 缺少字符 {''.join(missing)!r} 的字形，地图上会显示成方框（tofu）。"
                        "请在样式文件的 [font] 节改用覆盖简体中文的字体。")
    files = subset_files(text + probe)
    family = _register_subset(tuple(str(files[w]) for w in sorted(files)))
    return {"font.family": [family, "DejaVu Sans"], "axes.unicode_minus": False,
            "pdf.fonttype": 42, "ps.fonttype": 42}


def uncovered(text: str, rc: dict) -> tuple[str, str]:
    """What of ``text`` the font of ``rc`` (:func:`print_rc`) would not draw in the CJK font.

    Returns
    -------
    tuple of str
        ``(in_font, nowhere)``: characters the full font has but the subset lacks (derive a larger
        subset), and characters neither the font nor the DejaVu Sans fallback has (tofu).

    Examples
    --------
    >>> uncovered("东昌府龘", print_rc("东昌府"))  # doctest: +SKIP
    ('龘', '')
    """
    from matplotlib import font_manager

    family = rc["font.family"][0]
    subset = next(e.fname for e in font_manager.fontManager.ttflist if e.name == family)
    chars = {c for c in text if not c.isspace()}
    lacking = set(missing_glyphs("".join(chars), Path(subset)))
    if not lacking:
        return "", ""
    full = set(missing_glyphs("".join(lacking)))
    dejavu = set(missing_glyphs("".join(full), Path(font_manager.findfont("DejaVu Sans", fallback_to_default=False))))
    return "".join(sorted(lacking - full)), "".join(sorted(dejavu))


def check_text(text: str) -> None:
    """Raise :class:`FontError` if ``text`` (a title, a label) has characters the font cannot draw."""
    missing = missing_glyphs(text)
    if missing:
        raise FontError(f"地图字体缺少 {text[:40]!r} 中字符 {''.join(missing)!r} 的字形，印出来会是方框（tofu）。"
                        "请替换这些字符，或在样式文件中改用其他字体。")


def web_font_css(text: str, *, family: str = "Noto Sans SC") -> str:
    """An ``@font-face`` rule embedding the font subset to the characters of ``text`` (base64 TTF).

    The subset is cut from the variable font and instanced (:func:`_derive_subset`, about 1 s for a
    map's few hundred characters); the rule is kept in the font cache, named by the characters, the
    family, the font file (name, size) and the fontTools version, so a map drawn again with the same
    text reuses it (the same bytes: it is the same subset).

    Parameters
    ----------
    text
        Every text of the page.
    family
        The CSS font family the rule declares.

    Returns
    -------
    str
        One ``@font-face`` rule per weight.

    Examples
    --------
    >>> css = web_font_css("附图1 产业布局示意图")  # doctest: +SKIP
    >>> css.startswith("@font-face{font-family:'Noto Sans SC'")  # doctest: +SKIP
    True
    """
    src = variable_font_path()
    cmap = _cmap(str(src), src.stat().st_mtime_ns)
    chars = "".join(sorted(c for c in set(text) | set("0123456789.,:;()（）%-/ 千米") if ord(c) in cmap))
    weights = [int(w) for w in map_style.section("font").get("weights", [400, 700])]
    key = _subset_key(f"web|{family}|{weights}|{chars}", src)
    kept = cache_dir() / f"webfont-{key[:40]}.css"
    if kept.is_file():
        return kept.read_text(encoding="ascii")
    rules = []
    for weight, data in _derive_subset(src, chars, weights).items():
        b64 = base64.b64encode(data).decode("ascii")
        rules.append(f"@font-face{{font-family:'{family}';font-weight:{weight};font-style:normal;"
                     f"src:url(data:font/ttf;base64,{b64}) format('truetype');}}")
    css = "\n".join(rules)
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        tmp = kept.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(css, encoding="ascii")
        os.replace(tmp, kept)
        for old in sorted(kept.parent.glob("webfont-*.css"), key=lambda f: f.stat().st_mtime, reverse=True)[32:]:
            old.unlink(missing_ok=True)  # a few dozen maps' worth; older ones are made again when needed
    except OSError as exc:  # a read-only cache: the next map subsets again
        logger.debug("web font subset not cached in %s: %s", kept.parent, exc)
    return css


# ---- the desk's documents (the PDF 核查意见) -------------------------------------------------------

#: the modules whose string literals end up in a desk document (the report's headings, the rules'
#: reasons, indicator names and notes), relative to the package
DOCUMENT_MODULES = ("desk/pdf_report.py", "desk/docx_report.py", "queries/site/*.py", "queries/site/rules/*.py")


@lru_cache(maxsize=1)
def gb2312_common() -> str:
    """GB 2312-80's symbol rows (01–09: punctuation, full-width forms, numerals, Greek, Cyrillic, kana,
    box drawing) and its level-1 hanzi (rows 16–55: the 3,755 most common characters), as Python's
    ``gb2312`` codec decodes them: the standard's own list, shipped with Python.

    Returns
    -------
    str
        The characters, in code order (4,437: 682 symbols and 3,755 hanzi).

    Examples
    --------
    >>> text = gb2312_common()
    >>> len(text), "聊" in text, "啊" == text[682]
    (4437, True, True)
    """
    chars = []
    for row in [*range(0xA1, 0xAA), *range(0xB0, 0xD8)]:  # rows 1–9 and 16–55 of the 94×94 table
        for cell in range(0xA1, 0xFF):
            try:
                chars.append(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:  # an unassigned cell of the table
                continue
    return "".join(chars)


@lru_cache(maxsize=1)
def document_base_text() -> str:
    """The characters the desk's documents' cached font subset holds: :func:`gb2312_common`,
    :data:`BASE_TEXT` and every non-ASCII character of the :data:`DOCUMENT_MODULES` (the report's
    words, read from the source, so a heading added to the code is in the subset without a list to keep
    up to date).

    Examples
    --------
    >>> base = document_base_text()
    >>> all(c in base for c in "核查意见判定理由")
    True
    """
    root = Path(__file__).resolve().parent.parent
    chars = set(gb2312_common()) | set(BASE_TEXT)
    for pattern in DOCUMENT_MODULES:
        for path in sorted(root.glob(pattern)):
            chars.update(c for c in path.read_text(encoding="utf-8") if ord(c) > 127 and not c.isspace())
    return "".join(sorted(chars))


def document_font_files(text: str, *, scratch: Path) -> dict[int, Path]:
    """Regular/Bold font files that hold every character of a document's ``text``.

    The cached subset for :func:`document_base_text` (derived once, about 6 s of CPU instead of the
    full instances' 25 s) when it holds every character of ``text`` the font has; otherwise a subset of
    just ``text``'s characters (about 1 s), written into ``scratch`` and not kept, so the font cache
    does not grow one file per document. Either way fpdf2 embeds only the glyphs the PDF uses.

    Parameters
    ----------
    text
        Every text the document draws.
    scratch
        A folder the caller deletes afterwards (used only for an uncommon character).

    Returns
    -------
    dict
        Weight -> path of the TrueType file.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:   # doctest: +SKIP
    ...     files = document_font_files("核查意见：龘", scratch=Path(tmp))
    """
    base = document_base_text()
    src = variable_font_path()
    cmap = _cmap(str(src), src.stat().st_mtime_ns)
    extra = {c for c in text if not c.isspace() and ord(c) in cmap} - set(base)
    if not extra:
        return subset_files(base)
    logger.info("A document with %d character(s) outside the common subset (%s): a subset of its own",
                len(extra), "".join(sorted(extra))[:20])
    chars = _subset_chars(text)
    weights = [int(w) for w in map_style.section("font").get("weights", [400, 700])]
    out = {}
    for w, data in _derive_subset(src, chars, weights).items():
        out[w] = Path(scratch) / f"NotoSansSC-w{w}-document.ttf"
        out[w].write_bytes(data)
    return out


# ---- the desk's web pages --------------------------------------------------------------------------

def page_font(text: str) -> tuple[str, Path]:
    """The variable font (every weight) cut to the characters of ``text`` and :data:`BASE_TEXT`, as
    WOFF (zlib, fontTools' own writer): what a desk page needs on a PC with no Chinese font, about
    0.2 MB for the 选址核查 page's text and the layers' names instead of the whole 17 MB font.

    Kept in the font cache under a name made of the characters (a few dozen kept); derived in about
    0.6 s of CPU. Characters outside it are drawn with the whole font (the page's CSS gives each face
    its ``unicode-range``, :func:`unicode_ranges`).

    Parameters
    ----------
    text
        Every text the page shows at first.

    Returns
    -------
    tuple
        ``(chars, path)``: the characters the file holds (sorted), and the WOFF file.

    Examples
    --------
    >>> chars, path = page_font("选址核查")   # doctest: +SKIP
    >>> path.suffix  # doctest: +SKIP
    '.woff'
    """
    from fontTools import subset

    src = variable_font_path()
    chars = _subset_chars(text)
    key = _subset_key(f"page|{chars}", src)
    path = cache_dir() / f"NotoSansSC-page-{key[:24]}.woff"
    if path.is_file():
        return chars, path
    opts = subset.Options()
    opts.layout_features = ["*"]
    opts.notdef_outline = True
    opts.flavor = "woff"
    font = subset.load_font(str(src), opts, lazy=True)
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=[ord(c) for c in chars])
    sub.subset(font)
    font.recalcTimestamp = False   # the same bytes for the same characters
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        subset.save_font(font, str(tmp), opts)
        os.replace(tmp, path)
    except OSError as exc:
        raise FontError(f"无法写入字体缓存文件夹 {path.parent}（{exc}）。请把 DCF_CACHE_DIR 设为可写的文件夹，"
                        "例如 export DCF_CACHE_DIR=/tmp/dcf_cache。") from None
    for old in sorted(path.parent.glob("NotoSansSC-page-*.woff"), key=lambda f: f.stat().st_mtime, reverse=True)[16:]:
        old.unlink(missing_ok=True)
    return chars, path


def unicode_ranges(chars: str, *, complement: bool = False) -> str:
    """A CSS ``unicode-range`` value for ``chars`` (runs of code points merged), or for every code
    point but them (``complement=True``).

    Examples
    --------
    >>> unicode_ranges("abcx")
    'U+61-63,U+78'
    >>> unicode_ranges("b", complement=True)
    'U+0-61,U+63-10FFFF'
    """
    points = sorted({ord(c) for c in chars})
    runs: list[list[int]] = []
    for p in points:
        if runs and p == runs[-1][1] + 1:
            runs[-1][1] = p
        else:
            runs.append([p, p])
    if complement:
        gaps, start = [], 0
        for a, b in runs:
            if a > start:
                gaps.append([start, a - 1])
            start = b + 1
        if start <= 0x10FFFF:
            gaps.append([start, 0x10FFFF])
        runs = gaps
    return ",".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in runs)
