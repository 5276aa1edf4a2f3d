"""The 图层 page's API: a layer's versions, import with a preview of what changes, reset.

Writes (import preview, import, reset) always need the desk's write token in a header
(``X-DCF-Token`` or ``Authorization: Bearer …``; a cookie is not enough, a cross-site form would send it)
and a same-origin request (``Origin`` or ``Referer`` naming this server's host): another site open in
the planner's browser cannot import or reset a layer. The token is the one given to ``dcf serve``, or,
on a loopback desk without one, a token made when the app starts and put into the 图层 page only.

An import is two steps: ``…/import/preview`` keeps the uploaded file on the server under a random
handle and answers what the import would change (:func:`dcf_spatial.register.preview.preview_import`);
``…/import`` with that handle imports exactly that file with exactly those options, and is refused
when the layer changed in between. Store writes go one at a time (``app.state.layer_lock``), and each
is atomic in the store itself (GeoPackage: a working copy swapped in; PostGIS: one transaction).
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ...errors import DcfError
from ..errors import DeskError, RequestBody, error_responses
from ..preview_map import outline
from ..uploads import _display_name, pick_dataset, save_upload
from .api import _keep_download, strict_json

router = APIRouter(prefix="/api")

#: a layer id as the catalog spells them (lower-case words joined by ``_``); anything else — a path,
#: a dot, a slash — is refused before it reaches the store
LAYER_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
#: how long a previewed upload waits for its confirm, and how many wait at most
PENDING_SECONDS = 3600
PENDING_MAX = 20
#: added, removed and moved features an import preview's answer lists at most (its counts are whole; the whole
#: lists are a download, ``details_url``): a 100,000-feature file's answer listed every id (breaker B31-12)
PREVIEW_LIST = 200
PROVENANCE_ZH = {"authoritative": "权威", "reference": "参考", "schematic": "示意"}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def setup(app, *, token: str | None) -> None:
    """Give ``app`` what the layer routes need: the write token, the store-write lock, pending imports.

    Examples
    --------
    >>> setup(app, token=None)          # doctest: +SKIP
    >>> len(app.state.write_token) > 20  # doctest: +SKIP
    True
    """
    app.state.write_token = token or secrets.token_urlsafe(24)
    app.state.layer_lock = threading.Lock()
    app.state.pending_imports = {}
    app.state.pending_lock = threading.Lock()

    def _drop_pending():
        with app.state.pending_lock:
            for item in app.state.pending_imports.values():
                shutil.rmtree(item["folder"], ignore_errors=True)
            app.state.pending_imports.clear()

    app.router.on_shutdown.append(_drop_pending)  # run by the default lifespan when the server stops


# ---- guards ------------------------------------------------------------------------------------------

def host_allowed(request: Request) -> bool:
    """A desk run without a token (loopback) answers only requests addressed to a loopback name: a
    web page whose own name was pointed at 127.0.0.1 (DNS rebinding) is not answered.

    Examples
    --------
    >>> host_allowed(request)   # doctest: +SKIP
    True
    """
    if request.app.state.token is not None:
        return True
    host = urlsplit("//" + (request.headers.get("host") or "")).hostname or ""
    return host in LOOPBACK_HOSTS


def require_write(request: Request) -> None:
    """Refuse a write that is cross-site (403) or carries no valid write token in a header (401).

    Examples
    --------
    >>> require_write(request)   # doctest: +SKIP
    """
    host = (request.headers.get("host") or "").lower()
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        origin = request.headers.get("referer")
    netloc = urlsplit(origin).netloc.lower() if origin and origin != "null" else ""
    if not host or netloc != host or not host_allowed(request):
        raise DeskError(403, "拒绝跨站请求：导入与恢复图层只接受本工作台页面发出的请求（请求头 Origin 或 Referer "
                             "须与服务器地址相同）。请在工作台的“图层”页面操作。")
    token = request.app.state.write_token
    auth = request.headers.get("authorization", "")
    given = [auth[7:] if auth.lower().startswith("bearer ") else None, request.headers.get("x-dcf-token")]
    if not any(g is not None and hmac.compare_digest(g.encode(), token.encode()) for g in given):
        raise DeskError(401, "导入与恢复图层需要写入令牌（请求头 X-DCF-Token 或 Authorization: Bearer <令牌>）。"
                             "请从工作台的“图层”页面操作；脚本调用请以 --token 启动 dcf serve，并在请求头中带上该令牌"
                             "（未给 --token 的本机工作台，其写入令牌每次启动随机生成，只供“图层”页面使用）。")


def _layer_id(layer_id: str) -> str:
    if not LAYER_ID.match(layer_id):
        raise DeskError(422, f"图层编号「{layer_id[:60]}」不合法：只能由小写字母、数字和下划线组成（如 industrial_clusters）。")
    return layer_id


def _store_of(request):
    from ...store import catalog
    from ...store.locate import resolve_store

    location = resolve_store(request.app.state.store)
    return location, catalog._require_store(location)


def _entry_or_404(st, layer_id: str) -> dict:
    entry = st.catalog_entry(layer_id)
    if entry is None:
        names = "、".join(st.catalog_rows()["id"].tolist())
        raise DeskError(404, f"图层库中没有图层「{layer_id}」。已有图层：{names}。")
    return entry


# ---- versions ----------------------------------------------------------------------------------------

def _register_counts(st, layer_id: str) -> dict[str, int]:
    """``{content hash: number of register checks that used it}`` for ``layer_id`` (counted in the database)."""
    from ...register import tables

    return tables.layer_use_counts(st, layer_id)


def layer_versions(request, layer_id: str) -> dict:
    """The current version of a layer and the versions the store keeps for ``reset``, newest first,
    each with how many register checks used it and whether the register keeps its own copy.

    Examples
    --------
    >>> layer_versions(request, "industrial_clusters")["restorable_version"]   # doctest: +SKIP
    1
    """
    from ...register import tables
    from ...store import catalog
    from ...land.outputs import source_zh   # the store's "<script> from <inputs> (<provenance>)" in Chinese (QA7 #7)
    from ...register.versions import frame_sha256
    from ...store.backends import outside_edits
    from ...store.backends.names import history_table

    location, st = _store_of(request)
    entry = _entry_or_404(st, layer_id)
    refs = _register_counts(st, layer_id)
    kept_by_register = {sha for lid, sha in tables.kept_layer_versions(st) if lid == layer_id}

    def describe(meta, table, *, slot=None):
        gdf = st.read_table(table)
        sha = frame_sha256(gdf)
        return {"version": int(meta.get("version") or 0), "slot": slot, "features": len(gdf),
                "provenance": meta.get("provenance"),
                "provenance_zh": PROVENANCE_ZH.get(str(meta.get("provenance")), str(meta.get("provenance"))),
                "source": meta.get("source") or "", "source_zh": source_zh(meta.get("source") or ""),
                # when this version was made (imported or built); a reset that brought it back is its own event
                "updated_at": meta.get("updated_at") or "", "made_at": meta.get("updated_at") or "",
                "content_sha256": sha, "register_checks": refs.get(sha, 0),
                "kept_in_register": sha in kept_by_register,
                # a PostGIS table edited outside dcf since this version was written: its content is not that version's
                "edited_outside": outside_edits.marker(meta)}

    current = describe(entry, layer_id)
    if not current["features"]:
        # an empty layer draws nothing on the map: say so, and the way back (issue 12: the page showed nothing)
        from ...queries.site.layer_gaps import fix_zh

        current["empty_zh"] = (f"图层为空（0 个要素），地图上没有可显示的要素；依赖它的选址核查无法给出结论。"
                               f"处理：{fix_zh(layer_id, location)}；也可在下方“导入新版本”上传该图层的文件。")
    extra = catalog._extra_of(entry)
    if extra.get(catalog.RESET_AT):
        current["reset_at"] = str(extra[catalog.RESET_AT])
        current["reset_from_version"] = extra.get(catalog.RESET_FROM)
        back_from = f"（撤销第 {extra[catalog.RESET_FROM]} 版）" if extra.get(catalog.RESET_FROM) else ""
        current["reset_zh"] = f"{_shown_time(current['reset_at'])} 恢复为此版本{back_from}"
    history = st.history_entries(layer_id)
    top = max(history) if history else None
    kept = []
    for n in sorted(history, reverse=True):
        item = describe(history[n], history_table(layer_id, n), slot=n)
        item["restorable"] = n == top
        kept.append(item)
    return {"layer": layer_id, "title_zh": entry.get("title_zh") or layer_id, "current": current, "kept": kept,
            "restorable_version": kept[0]["version"] if kept else None,
            "note": "恢复（reset）撤销最近一次导入：当前版本被上一版本替换。核查登记用过的版本由登记另行保存，"
                    "不会因恢复而丢失；更早的版本请逐次恢复。"}


def _shown_time(stamp: str) -> str:
    """An ISO time as a page shows it: ``2026-12-07T08:48:10`` → ``2026-12-07 08:48``."""
    return str(stamp).replace("T", " ")[:16]


@router.get("/layers/{layer_id}/versions", summary="图层的版本（当前版本与可恢复的版本）", responses=error_responses(404, 422))
def versions(request: Request, layer_id: str):
    """The current version and the kept ones, newest first: version number, features, provenance,
    source, when the version was made (``made_at``; ``updated_at`` the same), content hash, how many
    register checks used it; ``restorable_version`` is the one ``POST /api/layers/{id}/reset`` restores.
    A current version brought back by a reset says so apart (``reset_at``, ``reset_from_version``, ``reset_zh``):
    its own time stays the time it was made."""
    return JSONResponse(strict_json(layer_versions(request, _layer_id(layer_id))))


# ---- import: preview, then confirm -------------------------------------------------------------------

def _expire_pending(app) -> None:
    now = time.monotonic()
    pending = app.state.pending_imports
    for key in [k for k, v in pending.items() if now - v["created"] > PENDING_SECONDS]:
        shutil.rmtree(pending.pop(key)["folder"], ignore_errors=True)
    while len(pending) >= PENDING_MAX:  # oldest first
        shutil.rmtree(pending.pop(next(iter(pending)))["folder"], ignore_errors=True)


def _options(crs, encoding, fields, provenance, source_note, file_name) -> dict:
    import codecs

    from ...io import parse_field_map

    if provenance not in PROVENANCE_ZH:
        raise DeskError(422, f"来源类别「{str(provenance)[:30]}」不认识：可选 authoritative（权威）、reference（参考）、"
                             "schematic（示意）。")
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise DeskError(422, f"“{encoding[:30]}”不是已知的文字编码。常用：gbk（GB18030 亦可）、utf-8、utf-8-sig。") from None
    field_map = parse_field_map(fields) if fields and fields.strip() else None
    note = "；".join(x for x in (f"上传文件：{file_name}", (source_note or "").strip()) if x)
    return {"crs": crs.strip() if crs and crs.strip() else None, "encoding": encoding or None,
            "field_map": field_map, "provenance": provenance, "source_note": note}


#: the form field's text in the OpenAPI document: required, no default (a new user's QA, finding 8)
PROVENANCE_FORM_ZH = ("来源类别，必填，不预设：authoritative（权威，局里的正式数据）、reference（参考）、schematic（示意）。"
                      "图层的每个图例与报告都写明它；接口不替调用者选择，缺少时答 422。")


@router.post("/layers/{layer_id}/import/preview", summary="试导入图层：上传文件，返回将发生的变化与确认用的 handle",
             responses=error_responses(400, 401, 403, 404, 413, 415, 422),
             # the write guard before the form is validated: a request without the token is told so (401/403),
             # whatever its form lacks
             dependencies=[Depends(require_write)])
def import_preview(request: Request, layer_id: str,
                   file: UploadFile | None = File(None, description="图层文件：压缩的 SHP、GPKG、GeoJSON、KML、DXF"),
                   crs: str | None = Form(None, description="文件坐标系（文件未注明时），如 EPSG:4527"),
                   encoding: str | None = Form(None, description="属性文字编码，如 gbk"),
                   fields: str | None = Form(None, description="字段对应：目标=源字段，逗号分隔，如 id=XZQDM,name_zh=XZQMC"),
                   provenance: str = Form(..., description=PROVENANCE_FORM_ZH,
                                          json_schema_extra={"enum": list(PROVENANCE_ZH)}),
                   source_note: str | None = Form(None, description="来源说明（文号、数据日期）"),
                   layer: str | None = Form(None, description="压缩文件含多个数据集时要读取哪一个（文件名或不含扩展名的名称）"),
                   recent: int | None = Form(None, ge=0, description="重新核查最近多少条核查登记（缺省 500；0 为全部登记，登记多时较慢）"),
                   since: str | None = Form(None, description="只重新核查此日期（含，YYYY-MM-DD）以后登记的核查")):
    """What importing the file would change — features added, removed and moved (beyond 1 m), 亩 moving between
    zones, register checks whose verdict would flip (among the ``recent`` most recent, default 500; the
    answer's ``register.covered`` says which) — with nothing written. Answer ``handle``: send it to
    ``POST /api/layers/{id}/import`` to import exactly this file.

    ``provenance`` (来源类别) is required and has no default: every legend and report of the layer states
    it, so the caller says whether the file is the bureau's 权威 data, 参考 or 示意 (422 without it)."""
    from ...register.preview import preview_import

    layer_id = _layer_id(layer_id)
    if file is None or not file.filename:
        raise DeskError(422, "请选择要导入的图层文件（压缩的 SHP、GPKG、GeoJSON、KML 或 DXF）。")
    location, st = _store_of(request)
    entry = _entry_or_404(st, layer_id)
    shown = _display_name(file.filename)
    options = _options(crs, encoding, fields, provenance, source_note, shown)
    folder = Path(tempfile.mkdtemp(prefix="dcf-desk-import-"))
    path = None
    try:
        path = save_upload(file, folder, limit_bytes=request.app.state.upload_limit, layer=layer)
        options["layer"] = pick_dataset(path, layer)
        answer = preview_import(layer_id, path, store=location, file_name=shown, recent=recent,
                                since=since.strip() if since and since.strip() else None, more_hint="参数 recent=0",
                                **options)
    except DcfError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise _worded(exc, {str(path): shown} if path is not None else {}) from exc
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    handle = secrets.token_urlsafe(18)
    app = request.app
    with app.state.pending_lock:
        _expire_pending(app)
        app.state.pending_imports[handle] = {
            "layer": layer_id, "folder": folder, "path": path, "options": options, "file_name": shown,
            "version": int(entry["version"]), "sha256": answer.summary.get("sha256"), "created": time.monotonic()}
    body = answer.to_dict(limit=PREVIEW_LIST)
    body["transfers"] = group_slivers(body.get("transfers") or [])
    if max(len(answer.added), len(answer.removed), len(answer.moved)) > PREVIEW_LIST:
        # the whole lists, for the clerk who wants every id (the answer lists the first PREVIEW_LIST of each)
        full = {k: v for k, v in answer.to_dict().items() if k in ("layer", "added", "removed", "moved")}
        body["details_url"] = _keep_download(request, json.dumps(full, ensure_ascii=False, indent=1).encode(),
                                             f"{layer_id}_试导入变化明细.json", "application/json")
    body["new_geojson"], body["map_note_zh"] = outline(answer.new_layer,
                                                       first=[*answer.moved["编号"].astype(str), *answer.added])
    body["flipped_sites"] = _flipped_sites(st, answer.flips)
    body["summary"]["file"] = shown  # the server's temporary path is no business of the page
    body.update(handle=handle, file_name=shown, current_version=int(entry["version"]),
                provenance_zh=PROVENANCE_ZH[options["provenance"]], text=answer.summary_text())
    return JSONResponse(strict_json(body))


#: a transfer of less than this (亩) is a boundary sliver (a redrawn or simplified line), not land changing zone
SLIVER_MU = 1.0


def group_slivers(transfers: list[dict], tolerance_mu: float = SLIVER_MU) -> list[dict]:
    """The preview's 亩 moving between zones, with the slivers below ``tolerance_mu`` (a boundary redrawn or
    simplified: dozens of 0.01–0.5 亩 "→ 区外" rows) grouped into one line ``N 处边界微调，合计 x 亩`` at
    the end; the real transfers stay one row each, largest first. Nothing dropped: the line carries the total.

    Parameters
    ----------
    transfers
        Rows ``{"从", "到", "亩"}`` as :func:`dcf_spatial.register.preview.preview_import` gives them.
    tolerance_mu
        Below this a row is a sliver (default :data:`SLIVER_MU`).

    Returns
    -------
    list of dict

    Examples
    --------
    >>> group_slivers([{"从": "甲镇（1）", "到": "区外", "亩": 0.2}, {"从": "甲镇（1）", "到": "区外", "亩": 0.3},
    ...                {"从": "甲镇（1）", "到": "乙镇（2）", "亩": 12.0}])[-1]["从"]
    '2 处边界微调（每处不足 1 亩），合计 0.5 亩'
    """
    big = [t for t in transfers if float(t.get("亩") or 0) >= tolerance_mu]
    small = [t for t in transfers if float(t.get("亩") or 0) < tolerance_mu]
    big.sort(key=lambda t: -float(t.get("亩") or 0))
    if small:
        total = round(sum(float(t.get("亩") or 0) for t in small), 2)
        big.append({"从": f"{len(small)} 处边界微调（每处不足 {tolerance_mu:g} 亩），合计 {total:g} 亩", "到": "多处（区外或相邻分区）",
                    "亩": total, "slivers": len(small)})
    return big


def _worded(exc, names: dict):
    """A library error of an import, worded for the 图层 page's form (the upload's name, its boxes)."""
    from ..wording import LAYER_FORM, worded

    return worded(exc, form=LAYER_FORM, names=names)


def _flipped_sites(st, flips) -> dict:
    """The sites of the register checks whose verdict would flip, as GeoJSON (lon/lat) for the map."""
    import shapely.geometry

    from ...register import tables

    ids = flips.flipped
    checks = {int(r["登记号"]): r for r in flips.checks.to_dict(orient="records")}
    features = []
    if ids:
        for row in tables.read_records(st, ids).itertuples(index=False):
            if row.geometry is None:
                continue
            c = checks.get(int(row.id), {})
            features.append({"type": "Feature", "geometry": shapely.geometry.mapping(row.geometry),
                             "properties": {"登记号": int(row.id), "项目名称": row.project, "原结论": c.get("原结论"),
                                            "现结论": c.get("现结论")}})
    return {"type": "FeatureCollection", "features": features}


class ImportConfirm(RequestBody):
    """The confirm of a previewed import."""

    model_config = ConfigDict(extra="forbid")
    handle: str = Field(..., min_length=8, max_length=64, description="试导入返回的 handle")


@router.post("/layers/{layer_id}/import", summary="确认导入此前试导入的文件", responses=error_responses(403, 404, 409, 422))
def import_confirm(request: Request, layer_id: str, body: ImportConfirm):
    """Import exactly the file previewed under ``handle`` (the previous version is kept for reset).
    Refused (409) when the layer changed since the preview: preview again."""
    from ...store import catalog

    require_write(request)
    layer_id = _layer_id(layer_id)
    app = request.app
    with app.state.pending_lock:
        item = app.state.pending_imports.get(body.handle)
        if item is None or item["layer"] != layer_id:
            raise DeskError(404, "没有这个试导入（已确认、已过期或服务器已重启）。请重新上传并预览。")
        app.state.pending_imports.pop(body.handle)
    try:
        location, st = _store_of(request)
        with app.state.layer_lock:
            entry = _entry_or_404(st, layer_id)
            if int(entry["version"]) != item["version"]:
                raise DeskError(409, f"预览之后图层 {layer_id} 已被修改（预览时第 {item['version']} 版，现为第 "
                                     f"{int(entry['version'])} 版），本次未导入。请重新预览后再确认。")
            if item["sha256"] and entry.get("sha256") == item["sha256"]:
                raise DeskError(409, f"「{item['file_name']}」与图层 {layer_id} 的当前版本（第 {int(entry['version'])} 版）"
                                     "相同，导入不会带来任何变化，本次未导入。")
            try:
                summary = catalog.import_layer(layer_id, item["path"], store=location, file_name=item["file_name"],
                                               **item["options"])
            except DcfError as exc:
                raise _worded(exc, {str(item["path"]): item["file_name"]}) from exc
    finally:
        shutil.rmtree(item["folder"], ignore_errors=True)
    summary["file"] = item["file_name"]
    after = st.catalog_entry(layer_id)
    return JSONResponse(strict_json({**summary, "version": int(after["version"]), "previous_version": item["version"],
                                     "message": f"已导入图层 {layer_id}：{summary['features']} 个要素，现为第 "
                                                f"{int(after['version'])} 版；原第 {item['version']} 版已保留，可恢复。"}))


# ---- reset -------------------------------------------------------------------------------------------

class ResetBody(RequestBody):
    """Which version to restore."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(..., ge=1, description="要恢复的版本号（GET /api/layers/{id}/versions 的 restorable_version）")


def _refuse_losing_a_recorded_version(st, layer_id: str) -> None:
    """Reset replaces the current version; refuse when a register check used it and the register has
    no copy of its own (the register keeps one whenever it records, so this guards a damaged register)."""
    from ...register import tables
    from ...register.versions import frame_sha256

    refs = _register_counts(st, layer_id)
    if not refs:
        return
    sha = frame_sha256(st.read_table(layer_id))
    if refs.get(sha) and (layer_id, sha) not in tables.kept_layer_versions(st):
        raise DeskError(409, f"图层 {layer_id} 的当前版本被 {refs[sha]} 条核查登记使用，而登记中没有它的副本；"
                             "恢复会使这些登记无法复现，已拒绝。请先检查图层库（dcf layers doctor）。")


@router.post("/layers/{layer_id}/reset", summary="恢复图层到上一次导入前的版本", responses=error_responses(403, 404, 409, 422))
def reset(request: Request, layer_id: str, body: ResetBody):
    """Restore the version the last import replaced; ``version`` must be that version's number
    (``restorable_version``), so a reset meant for another state of the layer is refused (409)."""
    from ...store import catalog

    require_write(request)
    layer_id = _layer_id(layer_id)
    location, st = _store_of(request)
    with request.app.state.layer_lock:
        entry = _entry_or_404(st, layer_id)
        history = st.history_entries(layer_id)
        if not history:
            raise DeskError(409, f"图层 {layer_id} 没有可恢复的早期版本（只有导入替换过的图层才能恢复）。")
        top = max(history)
        restorable = int(history[top].get("version") or 0)
        if body.version != restorable:
            older = sorted(int(m.get("version") or 0) for n, m in history.items() if n != top)
            extra = f"更早的第 {'、'.join(map(str, older))} 版需逐次恢复。" if older else ""
            raise DeskError(409, f"图层 {layer_id} 现为第 {int(entry['version'])} 版，只能恢复到上一次导入前的第 "
                                 f"{restorable} 版（请求的是第 {body.version} 版）。{extra}")
        _refuse_losing_a_recorded_version(st, layer_id)
        done = catalog.reset_layer(layer_id, store=location)
    after = st.catalog_entry(layer_id)
    return JSONResponse(strict_json({**done, "version": int(after["version"]), "replaced_version": int(entry["version"]),
                                     "message": f"图层 {layer_id} 已恢复到第 {int(after['version'])} 版"
                                                f"（{done['features']} 个要素）。"}))
