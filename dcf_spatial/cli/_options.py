"""Options shared by every command, defined once (rasterio ``rio`` style)."""

from __future__ import annotations

import codecs
import functools
import json
import math
import re
from pathlib import Path

import click

from .. import _fixes

output_opt = click.option("-o", "--output", "output", type=click.Path(path_type=Path),
                          help="输出文件或文件夹。")
overwrite_opt = click.option("--overwrite", is_flag=True, help="覆盖已存在的输出文件（缺省不覆盖，遇已有文件即停止）。")
json_opt = click.option("--json", "as_json", is_flag=True, help="以 JSON 格式输出结果（供程序读取）。")
map_opt = click.option("--map", "map_path", type=click.Path(dir_okay=False, path_type=Path),
                       help="另写出结果的交互地图（HTML，断网也能打开）。")
crs_opt = click.option("--crs", default=None,
                       help="输入坐标的坐标系：EPSG 代码（4490、4326、4527…），或 gcj02（高德/腾讯）、bd09（百度）。")

BASEMAP_CHOICES = ("none", "osm", "tianditu", "gaode")
basemap_opt = click.option(
    "--basemap", type=click.Choice(BASEMAP_CHOICES), default="none", show_default=True,
    help="交互地图底图：none（无底图，离线可用，只画规划图层）、osm、tianditu（天地图，密钥取自环境变量 "
         "TIANDITU_KEY）、gaode（高德，数据转为 GCJ-02 显示以便对齐）。")

#: the reader options of every command that reads a user file, passed to dcf_spatial.io
_reader_params = [
    click.option("--layer", default=None,
                 help="要读取的图层（GeoPackage/FileGDB）或工作表（XLSX）；文件只有一个图层时可省略。"),
    click.option("--encoding", default=None,
                 help="DBF/CSV 的文字编码，如 gbk；缺省自动识别 UTF-8/GBK。"),
    click.option("--swap-xy", is_flag=True,
                 help="对调 x 与 y（经度、纬度两列填反时用）。"),
    click.option("--field", "fields", multiple=True, metavar="TARGET=SOURCE",
                 help="把文件中的字段对应到规范字段，如 --field parcel_id=地块号；可重复。"),
    click.option("--as-points", is_flag=True,
                 help="界址点表（含点号与 X/Y 列）逐点读取为点；缺省按地块号连成面。"),
]


def check_encoding(encoding) -> None:
    """Refuse an ``--encoding`` Python does not know, before any file is read (``None`` passes)."""
    if encoding is None:
        return
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise click.BadParameter(f"“{encoding}”不是已知的文字编码。常用：gbk（GB18030 亦可）、utf-8、utf-8-sig。",
                                 param_hint="--encoding") from None


def reader_options(f):
    """Add ``--layer``, ``--encoding``, ``--swap-xy``, ``--field TARGET=SOURCE`` (repeatable) and ``--as-points``
    and hand the command one ``reader`` dict instead: ``{"layer", "encoding", "swap_xy", "field_map"}`` (plus
    ``"as_points": True`` when given), the keyword arguments of :func:`dcf_spatial.io.read_vector` (``--crs``
    stays a separate option)."""

    @functools.wraps(f)
    def wrapper(*args, layer, encoding, swap_xy, fields, as_points, **kwargs):
        from ..errors import InputError
        from ..io import parse_field_map

        check_encoding(encoding)
        try:
            field_map = parse_field_map(list(fields)) if fields else None
        except InputError as exc:
            raise input_error(exc, "--field") from None
        reader = {"layer": layer, "encoding": encoding, "swap_xy": swap_xy, "field_map": field_map}
        if as_points:  # only when given: the readers that take it (read_vector, read_site) get it
            reader["as_points"] = True
        try:
            return f(*args, reader=reader, **kwargs)
        except InputError as exc:
            # a reader's error the command did not re-raise itself: the fixes get their options too
            if getattr(exc, "cli_worded", False):
                raise
            raise _worded(InputError, cli_wording(str(exc))) from exc

    for opt in reversed(_reader_params):
        wrapper = opt(wrapper)
    return wrapper


_LEADING_OPTION = re.compile(r"^(--[a-z][a-z0-9-]*)\s*[:：]\s*")

#: the library's neutral wording of each fix (dcf_spatial._fixes): the option that does it, the verb
#: put before it, and what an example in ``（如 …）`` right after the phrase looks like (its value is
#: given to the option)
_FIX_OPTIONS = [
    (_fixes.CRS, "用", "--crs", r"(?:EPSG:)?([\w.:-]+)"),
    (_fixes.SWAP_XY, "加", "--swap-xy", None),
    (_fixes.LAYER, "用", "--layer", r"([^（）]+)"),
    (_fixes.ENCODING, "用", "--encoding", r"([\w-]+)"),
    (_fixes.AS_POINTS, "加", "--as-points", None),
    (_fixes.CAPACITY_REPLACEMENT, "用", "--capacity-replacement", None),
]
_FIX_PATTERNS = [
    (re.compile(re.escape(phrase) + (f"(?:（如 {example}）)?" if example else "")), phrase, verb, option)
    for phrase, verb, option, example in _FIX_OPTIONS
]
#: ``字段映射 a=b c=d`` -> ``字段映射 --field a=b --field c=d``
_FIELD_PAIRS = re.compile(re.escape(_fixes.FIELD_MAP) + r"((?: [^\s=，。；、（）]+=[^\s，。；、（）]+)+)")


def cli_wording(text: str) -> str:
    """``text`` (a library message or read note) with the option added to each fix it suggests.

    The library words its fixes neutrally (:mod:`dcf_spatial._fixes`: "请指定坐标系（如 EPSG:4527）");
    on the command line the same fix reads "请用 --crs 4527 指定坐标系". Apply once per text.

    Parameters
    ----------
    text
        A message or note from the library.

    Returns
    -------
    str
        The text with ``--crs``, ``--swap-xy``, ``--layer``, ``--encoding`` and ``--field`` added.

    Examples
    --------
    >>> cli_wording("请指定坐标系（如 EPSG:4527）")
    '请用 --crs 4527 指定坐标系'
    >>> cli_wording("或用字段映射 lon=<经度列> lat=<纬度列> 指定")
    '或用字段映射 --field lon=<经度列> --field lat=<纬度列> 指定'
    >>> cli_wording(cli_wording("请指定坐标系（如 gcj02）"))   # worded once, however often it is applied
    '请用 --crs gcj02 指定坐标系'
    """
    for pattern, phrase, verb, option in _FIX_PATTERNS:
        done = re.compile(re.escape(f"{verb} {option}") + r"(?: (?:'[^']*'|[^\s，。；]+))? $")

        def add(m, p=phrase, v=verb, o=option, done=done):
            if done.search(m.string, 0, m.start()):  # already worded ("请用 --crs gcj02 指定坐标系"): once only
                return m.group(0)
            return f"{v} {o} {_shell_value(m.group(1))} {p}" if m.groups() and m.group(1) else f"{v} {o} {p}"

        text = pattern.sub(add, text)
    text = text.replace(_fixes.STORE, "用 --store（或环境变量 DCF_STORE）设定图层库")
    text = text.replace(_fixes.OVERWRITE, "加 --overwrite")
    text = text.replace(_fixes.DEFAULT_INDUSTRY + " ", "按 --industry ")
    return _FIELD_PAIRS.sub(lambda m: _fixes.FIELD_MAP + "".join(f" --field {p}" for p in m.group(1).split()), text)


def _shell_value(value: str) -> str:
    """An option's value from a fix's example as it can be pasted into a shell: a name the library quotes
    (a sheet: “清单 ”) loses the “” and is quoted for the shell when it needs it (spaces, quotes, 、；).

    Examples
    --------
    >>> _shell_value("“2026年项目”"), _shell_value("“   ”"), _shell_value("EPSG:4527")
    ('2026年项目', "'   '", 'EPSG:4527')
    """
    import shlex

    if len(value) >= 2 and value.startswith("“") and value.endswith("”"):
        value = value[1:-1]
        # shlex.quote quotes every non-ASCII name: a Chinese name is pasted as is, one with spaces or
        # characters the shell reads is quoted
        return value if re.fullmatch(r"[^\s'\"\\$`!&|;<>()*?#~{}\[\]=%^]+", value) else shlex.quote(value)
    return value


def _worded(cls, message: str):
    exc = cls(message)
    exc.cli_worded = True
    return exc


def input_error(exc, param_hint: str):
    """A reader's :class:`~dcf_spatial.errors.InputError` about the *content* of a file, re-raised
    naming the option that gave the file (or ``--crs`` when the CRS value itself was wrong; no option
    when the error is about the layer store, ``exc.argument == "store"``), with
    the option added to each fix the message suggests (:func:`cli_wording`).

    It stays a :class:`~dcf_spatial.errors.DcfError`, so the CLI shows the one line
    ``错误 Error: --batch：…`` (exit code 2) — the command line was right, the data was not, so
    click's usage block would only be noise. Wrong option *values* remain ``click.BadParameter``.
    """
    from ..errors import InputError

    if getattr(exc, "cli_worded", False):
        return exc
    msg = cli_wording(str(exc))
    if getattr(exc, "argument", None) == "store":
        # about the layer store (changed by someone else while checking, …), not the option that gave
        # the data: the message names the store itself, no option goes before it
        return _worded(InputError, msg)
    if msg.startswith(_fixes.CRS_VALUE_ERRORS):
        return _worded(InputError, f"--crs：{msg}")
    m = _LEADING_OPTION.match(msg)
    if m:
        return _worded(InputError, f"{m.group(1)}：{msg[m.end():]}")
    if msg.startswith(param_hint):
        return _worded(InputError, msg)
    return _worded(InputError, f"{param_hint}：{msg}")


def check_writable(path: Path, overwrite: bool, *, param_hint: str = "--output", need_folder: bool = False,
                   inputs=(), check_store: bool = True, make_folder: bool = True) -> Path:
    """Refuse an output that would replace the layer store, an input (``inputs``), another output of
    this command (each checked output is remembered for the invocation), or an existing file unless
    ``--overwrite`` was given (:func:`dcf_spatial.outputs_guard.guard_output`). With ``need_folder``
    (an output file), a missing folder is created and said — every output of a command alike, as the
    README promises for ``-o`` — and removed again, if still empty, when the command then stops on an
    error (:func:`remove_new_folders`); with ``make_folder=False`` it is refused instead, before any work."""
    from ..errors import InputError
    from ..outputs_guard import guard_output

    path = Path(path)
    ctx = click.get_current_context(silent=True)
    taken = ctx.find_root().meta.setdefault("dcf_outputs", []) if ctx is not None else []
    try:
        guard_output(path, overwrite=overwrite, inputs=inputs, taken=[p for p, _ in taken], check_store=check_store)
    except InputError as exc:
        msg = str(exc)
        if getattr(exc, "argument", None) == "overwrite":
            msg = msg.replace("要替换须允许覆盖（overwrite）", "加 --overwrite 覆盖")
        for other, hint in taken:
            msg = msg.replace(f"另一个输出 {other}", f"另一个输出 {hint} {other}")
        raise click.BadParameter(msg, param_hint=param_hint) from None
    taken.append((path, param_hint))
    if need_folder and path.is_dir():
        raise click.BadParameter(f"{path} 是文件夹，这里需要一个文件名（例如 {path / '结果.html'}）。", param_hint=param_hint)
    parent = path.parent
    if need_folder and parent.exists() and not parent.is_dir():
        raise click.BadParameter(f"{parent} 是文件，不是文件夹，无法在其中写出 {path.name}。请换一个文件夹。",
                                 param_hint=param_hint)
    if need_folder and make_folder and not parent.exists():
        _make_folder(parent, param_hint, ctx)
    if need_folder and not parent.is_dir():
        raise click.BadParameter(
            f"文件夹 {parent} 不存在（folder does not exist），无法写出 {path.name}。请先创建该文件夹"
            f"（mkdir -p {parent}），或换一个已存在的文件夹。", param_hint=param_hint)
    return path


def _make_folder(folder: Path, param_hint: str, ctx) -> None:
    """Create ``folder`` (and its missing parents), said once; remembered for :func:`remove_new_folders`."""
    from ..new_folders import missing_parts

    missing = missing_parts(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file where a folder should be, no right to write there
        raise click.BadParameter(f"无法新建文件夹 {folder}：{exc.strerror or exc}。请换一个文件夹。",
                                 param_hint=param_hint) from None
    if ctx is not None:
        ctx.find_root().meta.setdefault("dcf_new_folders", []).extend(missing)  # deepest first
    echo_note(f"已新建文件夹 {folder}")


def remove_new_folders(ctx) -> None:
    """Remove the folders this invocation created for its outputs that are still empty: a command that
    stops on an error (a refused option after the folder was made, an unreadable input) leaves nothing
    behind. A new folder still holding files (a run stopped after writing some) is kept and said, with
    what is in it: not a complete result (QA30 F10)."""
    from ..new_folders import remove_empty

    for note in remove_empty(ctx.find_root().meta.pop("dcf_new_folders", [])):   # deepest first
        echo_note("注意：" + note)


def check_positive(value, option: str, unit: str, *, allow_zero: bool = False):
    """``value`` (a number or None) must be > 0 (≥ 0 with ``allow_zero``); else a usage error naming the option."""
    if value is None:
        return value
    if not math.isfinite(value):  # click's float type takes "nan", "inf", "1e999"
        raise click.BadParameter(f"“{value}”不是一个有限的数，请给出数值（单位：{unit}）。", param_hint=option)
    if value < 0 or (value == 0 and not allow_zero):
        need = "不能为负数" if allow_zero else "必须大于 0"
        raise click.BadParameter(f"{value:g}：{need}（单位：{unit}）。", param_hint=option)
    return value


def _strict(obj):
    """``obj`` with NaN/±inf as ``None`` and numpy scalars unwrapped: strict JSON has no NaN."""
    if isinstance(obj, dict):
        return {k: _strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_strict(v) for v in obj]
    if hasattr(obj, "item") and getattr(obj, "ndim", None) == 0:  # numpy scalar
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def echo_note(text: str) -> None:
    """A note for the user on stderr (file read, map written, hints) — silent under ``dcf -q``,
    which promises only errors on stderr."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.find_root().params.get("quiet"):
        return
    # stdout redirected to a file is block-buffered and stderr is not: flush what was printed first, else a note
    # lands inside a line of the answer (“…服务业特色小镇读取说明：坐标文件按 GBK…”) under ``2>&1``
    click.get_text_stream("stdout").flush()
    click.echo(cli_wording(text), err=True)


def echo_json(obj) -> None:
    """Print ``obj`` as UTF-8 JSON (Chinese left readable) on stdout; NaN becomes null."""
    click.echo(json.dumps(_strict(obj), ensure_ascii=False, indent=2, default=str, allow_nan=False))
