"""The library's messages worded for the desk's forms: no server path, no command-line option.

The library words the fixes it suggests neutrally (:mod:`dcf_spatial._fixes`: "请指定坐标系（如
EPSG:4527）", "或用字段映射 id=<字段> 指明"); the command line adds its options
(:func:`dcf_spatial.cli._options.cli_wording`). Here the same phrases name the box of the desk's
form that does it — or, on a page without that box, what to change in the file before uploading it
again. Uploaded files live on the server under names it chose (``/tmp/dcf-desk-…/zip/f0.shp``):
those paths are replaced by the name the user uploaded.

Examples
--------
>>> desk_wording("请指定坐标系（如 EPSG:4527）", form=("crs",))
'请在「坐标系」栏填写坐标系（如 EPSG:4527）'
>>> desk_wording("/tmp/dcf-desk-jobs-x/1/input/parcels/upload.csv：缺少字段", names={
...     "/tmp/dcf-desk-jobs-x/1/input/parcels/upload.csv": "宗地.csv"})
'宗地.csv：缺少字段'
"""

from __future__ import annotations

import re

from .. import _fixes

#: the boxes of the desk's forms, by the library argument they give
FORM_BOXES = {"crs": "坐标系", "encoding": "文字编码", "field_map": "字段对应", "layer": "工作表"}
#: the checkboxes of the desk's forms, by the library argument they give: (the fieldset, the box's label)
FORM_CHECKBOXES = {"capacity_replacement": ("项目指标", "项目实施产能等量或减量置换")}
#: the batch page's box of the industry of the rows that have none (batch.html)
BATCH_INDUSTRY_BOX = "行业"
#: what the 选址核查 page offers (site.html): the 坐标系 select and the 产能置换 checkbox
SITE_FORM = ("crs", "capacity_replacement")
#: what the layer import form (图层 page) offers
LAYER_FORM = ("crs", "encoding", "field_map")
#: the boxes of each API path's form (by path prefix); other paths have none
#: the audit forms' 工作表 box (``sheet``): which sheet of a workbook to read
AUDIT_FORM = ("layer",)
_FORMS = (("/api/layers/", LAYER_FORM), ("/api/site/read", ("crs",)), ("/api/site-check/batch", ("crs", "layer")),
          ("/api/site-check", SITE_FORM), ("/api/audit/", AUDIT_FORM))


def form_of(path: str) -> tuple:
    """The boxes the form behind API ``path`` offers (see :data:`FORM_BOXES`).

    Examples
    --------
    >>> form_of("/api/layers/townships/import/preview")
    ('crs', 'encoding', 'field_map')
    >>> form_of("/api/audit/idle")
    ('layer',)
    >>> form_of("/api/site-check/export/docx")
    ('crs', 'capacity_replacement')
    """
    return next((form for prefix, form in _FORMS if path.startswith(prefix)), ())

_PAIRS = r"((?: [^\s=，。；、（）]+=[^\s，。；、（）]+)+)"
_FIELD_FIX = re.compile(r"(或)?用" + re.escape(_fixes.FIELD_MAP) + _PAIRS + r"\s*(指定|指明)?")
_FIELD_FIX_BARE = re.compile(re.escape(_fixes.FIELD_MAP) + _PAIRS)
_ENCODING_FIX = re.compile(re.escape(_fixes.ENCODING) + r"(?:（如 [\w-]+）)?")
#: a server path of an upload or a job (the desk's temporary folders), up to the first separator
_SERVER_PATH = re.compile(r"(?:[A-Za-z]:)?[/\\][^\s：:，,；;。）)」\"']*dcf-desk-[^\s：:，,；;。）)」\"']*")


#: a hint that names a Python function (``read_table``): no use on a web page, left out
_PYTHON_ONLY = re.compile(r"[^。；;]*\bread_table\b[^。；;]*[。；;]?")


def desk_wording(text: str, *, form=(), names: dict | None = None) -> str:
    """``text`` (a library message) as the desk shows it.

    Parameters
    ----------
    text
        A message or read note of the library.
    form
        The library arguments the page's form has a box for (``"crs"``, ``"encoding"``,
        ``"field_map"``); see :data:`LAYER_FORM`.
    names
        Server path → the uploaded file's name, for each upload of the request.

    Returns
    -------
    str
        The message with server paths replaced and each fix pointing at the form (or the file).

    Examples
    --------
    >>> desk_wording("请改列名，或用字段映射 parcel_id=<你的列名> 指定。")
    '请改列名，或在文件中把该列改名为 宗地号 后重新上传。'
    >>> desk_wording("或用字段映射 id=<编号字段> 指明", form=LAYER_FORM)
    '或在「字段对应」栏填写 id=<编号字段>'
    >>> desk_wording("找不到坐标列。请把坐标列改名为 经度/纬度；只需要属性表时请用 read_table。")
    '找不到坐标列。请把坐标列改名为 经度/纬度。'
    >>> desk_wording("项目实施产能置换的，请声明产能置换后重新核查", form=SITE_FORM)
    '项目实施产能置换的，请在「项目指标」中勾选「项目实施产能等量或减量置换」后重新核查'
    """
    for path, shown in sorted((names or {}).items(), key=lambda kv: -len(str(kv[0]))):
        text = text.replace(str(path), shown)
    text = _SERVER_PATH.sub("上传的文件", text)
    if "field_map" in form:
        box = FORM_BOXES["field_map"]
        text = _FIELD_FIX.sub(lambda m: f"{m.group(1) or ''}在「{box}」栏填写 {','.join(m.group(2).split())}", text)
        text = _FIELD_FIX_BARE.sub(lambda m: f"「{box}」栏填写 {','.join(m.group(1).split())}", text)
    else:
        def in_file(m):  # a name the reader recognises (宗地号), not the internal target (parcel_id)
            targets = "、".join(_column_name(p.split("=", 1)[0]) for p in m.group(2).split())
            return f"{m.group(1) or ''}在文件中把该列改名为 {targets} 后重新上传"
        text = _FIELD_FIX.sub(in_file, text)
        text = _FIELD_FIX_BARE.sub(lambda m: "在文件中改列名（" + "、".join(
            p.split("=", 1)[0] for p in m.group(1).split()) + "）后重新上传", text)
    text = text.replace(_fixes.CRS, f"在「{FORM_BOXES['crs']}」栏填写坐标系" if "crs" in form
                        else "在文件中注明坐标系（Shapefile 带上 .prj）")
    if "encoding" in form:
        text = text.replace(_fixes.ENCODING, f"在「{FORM_BOXES['encoding']}」栏填写文字编码")
    else:
        text = _ENCODING_FIX.sub("把文件另存为 UTF-8 编码", text)
    if "read_table" in text:
        text = re.sub(r"[；;]$", "。", _PYTHON_ONLY.sub("", text))
    text = text.replace(_fixes.LAYER, f"在「{FORM_BOXES['layer']}」栏填写要读取的工作表名" if "layer" in form
                        else "只打包要用的一个图层（或工作表）")
    # the batch page's 行业 box gives the industry of rows without one (never overrides the file's column)
    text = text.replace(_fixes.DEFAULT_INDUSTRY + " ", f"按「{BATCH_INDUSTRY_BOX}」栏所填的 ")
    text = text.replace(_fixes.SWAP_XY, "在文件中对调 x 与 y 两列")
    text = text.replace(_fixes.STORE, "请管理员设定图层库")
    if "capacity_replacement" in form:
        # only the request to declare it ("请声明产能置换"): "未声明产能置换的项目不得备案" states the rule
        fieldset, box = FORM_CHECKBOXES["capacity_replacement"]
        text = text.replace("请" + _fixes.CAPACITY_REPLACEMENT, f"请在「{fieldset}」中勾选「{box}」")
    return text


def reasons_worded(answer, *, form=SITE_FORM):
    """``answer`` (a :class:`~dcf_spatial.queries.site.api.SiteCheck`) with each reason's text as the page
    words it (:func:`desk_wording`: "请声明产能置换" names the page's checkbox). The results are copied, never
    changed in place: the register keeps the library's words.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> a = reasons_worded(SimpleNamespace(results=[{"reasons": [{"text_zh": "请声明产能置换后重新核查"}]}]))
    >>> a.results[0]["reasons"][0]["text_zh"]
    '请在「项目指标」中勾选「项目实施产能等量或减量置换」后重新核查'
    """
    def worded_reason(r):
        text = r.get("text_zh")
        # most reasons suggest no fix: those are not read again (the desk's hot path answers every check here)
        if not isinstance(text, str) or not any(phrase in text for phrase in _FIX_PHRASES):
            return r
        new = desk_wording(text, form=form)
        return r if new == text else dict(r, text_zh=new)

    results = []
    for result in answer.results:
        reasons = result.get("reasons") or []
        worded_reasons = [worded_reason(r) for r in reasons]
        changed = any(a is not b for a, b in zip(worded_reasons, reasons))
        results.append({**result, "reasons": worded_reasons} if changed else result)
    answer.results = results
    return answer


#: the phrases :func:`desk_wording` rewords (a text holding none of them is left as it is)
_FIX_PHRASES = (_fixes.CRS, _fixes.SWAP_XY, _fixes.LAYER, _fixes.ENCODING, _fixes.AS_POINTS, _fixes.FIELD_MAP,
                _fixes.STORE, _fixes.OVERWRITE, _fixes.CAPACITY_REPLACEMENT, _fixes.DEFAULT_INDUSTRY, "dcf-desk-",
                "read_table")


def worded(exc, *, form=(), names: dict | None = None):
    """A library error ``exc`` re-raised as the desk words it (:func:`desk_wording`): same type and
    attributes, the message naming the upload (``names``: server path → uploaded name) and the form's boxes.

    Examples
    --------
    >>> from dcf_spatial.errors import InputError
    >>> str(worded(InputError("/tmp/dcf-desk-1/upload.geojson：无法读取"), names={"/tmp/dcf-desk-1/upload.geojson": "地块.geojson"}))
    '地块.geojson：无法读取'
    """
    message = desk_wording(str(exc), form=form, names=names)
    try:
        out = type(exc)(message)
    except TypeError:  # an error built from keyword arguments (IndustryColumnMissing): same type, new words
        out = type(exc).__new__(type(exc), message)
        out.args = (message,)
    out.__dict__.update(exc.__dict__)
    return out


def industry_column_message(exc, *, names: dict | None = None) -> str:
    """The batch page's words for a list without a usable industry column
    (:class:`~dcf_spatial.queries.site.batch.IndustryColumnMissing`): what the CLI says, with the fixes the
    page offers — rename the column in the file, or fill the 「行业」 box for every row.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> e = SimpleNamespace(guess="主营", samples=["轴承", "水泥"], head=lambda: "清单.csv：表头中没有可识别的行业列。")
    >>> industry_column_message(e)
    '清单.csv：表头中没有可识别的行业列。列“主营”的内容像行业（如 轴承、水泥）。请在文件中把该列改名为 行业 后重新上传，或在「行业」栏填写一个行业词或代码（如 轴承），作为没有行业的各行的行业。'
    """
    if exc.guess:
        hint = (f"列“{exc.guess}”的内容像行业（如 {'、'.join(exc.samples)}）。"
                f"请在文件中把该列改名为 {BATCH_INDUSTRY_BOX} 后重新上传")
    else:
        hint = "请在文件中把行业列改名为 行业（行业代码列改名为 行业代码）后重新上传"
    return desk_wording(f"{exc.head()}{hint}，或在「{BATCH_INDUSTRY_BOX}」栏填写一个行业词或代码（如 轴承），"
                        "作为没有行业的各行的行业。", names=names)


def store_names(store) -> dict:
    """The store's location as library messages write it (``图层库 /srv/…/dcf_layers.gpkg``) → ``图层库``,
    for ``store`` (``None``: the store active for this request), to pass as ``names=`` to :func:`desk_wording`.

    Examples
    --------
    >>> store_names("/srv/dcf/图层库.gpkg")["图层库 /srv/dcf/图层库.gpkg"]   # doctest: +SKIP
    '图层库'
    """
    from ..store import catalog
    from ..store.locate import resolve_store

    try:
        location = resolve_store(store)
        labels = {str(location), str(catalog._require_store(location).label)}
    except Exception:  # a store that cannot even be opened: its own message says so
        return {}
    # "不在图层库 /srv/x.gpkg 中" → "不在图层库中": the space that separated the location goes with it
    names = {f"图层库 {label} ": "图层库" for label in labels if label}
    names.update({f"图层库 {label}": "图层库" for label in labels if label})
    names.update({label: "图层库" for label in labels if label})
    return names


#: the alias groups of the tables the desk's forms read without a field-map box (a 供地台账, an
#: enterprise table, a list of sites): their names first, so that a rename the desk advises is one these readers know
_UPLOAD_GROUPS = ("parcels", "enterprises", "sites")
#: the column names a coordinate target of a field map stands for
_COORDINATE_NAMES = {"lon": "经度", "lat": "纬度", "x": "X坐标", "y": "Y坐标"}


def _column_name(target: str) -> str:
    """The first column name the readers recognise for the canonical field ``target`` (``parcel_id`` →
    ``宗地号``), from the alias table: of the uploads' groups first (a 供地台账's ``地类编码``, not the
    survey layer's ``DLBM``), a Chinese name before a field code; ``target`` itself when no group has it.

    Examples
    --------
    >>> _column_name("agreed_start"), _column_name("land_use_code"), _column_name("no_such_field")
    ('约定动工日期', '地类编码', 'no_such_field')
    >>> _column_name("lon"), _column_name("lat")
    ('经度', '纬度')
    """
    from ..io import alias_table

    if target in _COORDINATE_NAMES:  # the coordinate pair is no alias group's field (lon=<经度列> in a message)
        return _COORDINATE_NAMES[target]
    groups = alias_table()["groups"]
    order = [g for g in _UPLOAD_GROUPS if g in groups] + [g for g in groups if g not in _UPLOAD_GROUPS]
    names = [e if isinstance(e, str) else e["name"] for g in order for e in groups[g].get(target, [])]
    return next((n for n in names if re.search(r"[\u3400-\u9fff]", n)), names[0] if names else target)
