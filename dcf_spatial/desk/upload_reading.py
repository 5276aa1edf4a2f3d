"""Did this desk read the file whose reading a site check is sent back with?

``/api/site/read`` reads an uploaded site file and answers its 地块 in EPSG:4490 with the reading: the
CRS the file was read in and who said so (``crs_read``, :mod:`dcf_spatial.crs.read_as`) and the reader's
notes (``read_notes``). The page sends them back as the check's site, and the 核查意见 prints them as fact
(核查输入 → 坐标系, 读取说明). A client could send any record instead, so the desk signs what it answered —
HMAC-SHA256 with a key of this desk (shared by its worker processes, :func:`use_secret`) over those
fields and a 报批 TXT's 属性描述 (``survey_header``, which its TXT download writes back) — and a check refuses a reading whose signature does not match (422, in Chinese). A desk started
again has a new key: a page from before it uploads the file again.

The reading is also bound to the 地块 it was read with (breaker F2: a genuine reading replayed with another
polygon and another file name printed the genuine file's CRS and notes for the forged site): a second
signature covers the first one, the file's ``name`` and each feature's geometry (coordinates rounded to
1e-9°, far below a survey's precision, so a client re-serialising the numbers changes nothing) and properties
(编号/名称 …). The page cannot edit an uploaded site (desk.js: drawing on the map replaces it, and is then
said as drawn), so a mismatch is a changed site: 422.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

#: the fields of an upload's FeatureCollection that are signed, and the field holding the signature: the CRS
#: read, the reader's notes, the file's 图形警告 (``shape_warnings``, e.g. a recorded 地块面积 off its
#: coordinates, said in the answer's first lines) and a 报批 TXT's ``[属性描述]`` values (``survey_header``:
#: written back into the TXT download as the file's 数据产生单位/日期, breaker F7)
FIELDS = ("crs_read", "read_notes", "shape_warnings", "survey_header")
SIGNATURE = "reading_sig"
#: the signature binding the reading to the file's name and its 地块 as the desk answered them
SITE_SIGNATURE = "site_sig"
#: coordinates are compared at this many decimals of a degree (1e-9° ≈ 0.1 mm)
DIGITS = 9
#: at most this many 读取说明 of an upload are carried into the check (the reader writes a handful)
MAX_NOTES = 40

_KEY = {"key": secrets.token_bytes(32)}


def use_secret(secret: str) -> None:
    """Sign with a key made from ``secret``: the desk's worker processes share it (an upload read by one
    worker is checked by another)."""
    _KEY["key"] = hmac.new(secret.encode(), b"dcf upload reading", hashlib.sha256).digest()


def _signature(site: dict) -> str:
    text = json.dumps({f: site.get(f) for f in FIELDS}, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hmac.new(_KEY["key"], text.encode("utf-8"), hashlib.sha256).hexdigest()


def _site_digest(site: dict) -> str:
    """A canonical text of the file name and the 地块 (geometry as rounded, normalised WKB; properties)."""
    import shapely
    import shapely.geometry

    parts = [site.get("name") if isinstance(site.get("name"), str) else None]
    for f in site.get("features") or []:
        if not isinstance(f, dict):
            parts.append(repr(f))
            continue
        try:
            geom = shapely.geometry.shape(f.get("geometry"))
            geom = shapely.transform(geom, lambda xy: xy.round(DIGITS)).normalize()
            wkb = shapely.to_wkb(geom, hex=True, output_dimension=2)
        except Exception:  # noqa: BLE001 - not a geometry the desk answered: it cannot match
            wkb = repr(f.get("geometry"))
        parts.append([wkb, f.get("properties")])
    return json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _site_signature(site: dict) -> str:
    text = f"{site.get(SIGNATURE)}\n{_site_digest(site)}"
    return hmac.new(_KEY["key"], b"site\n" + text.encode("utf-8"), hashlib.sha256).hexdigest()


def signed(parcels: dict) -> dict:
    """``parcels`` (the upload's FeatureCollection, with :data:`FIELDS`, its ``name`` and ``features``) with its
    signatures added: the reading's, and the one binding it to the name and 地块."""
    parcels[SIGNATURE] = _signature(parcels)
    parcels[SITE_SIGNATURE] = _site_signature(parcels)
    return parcels


def verified(site) -> tuple[dict | None, list[str]]:
    """The reading a FeatureCollection sent back carries: ``(crs_read record or None, read notes)``, when this
    desk signed it; ``(None, [])`` for a site without one. Raises :class:`~dcf_spatial.desk.errors.DeskError`
    (422) for a reading this desk did not sign, or one changed since."""
    from ..crs.read_as import read_as_checked
    from .errors import DeskError

    if not (isinstance(site, dict) and site.get("type") == "FeatureCollection"):
        return None, []
    if all(site.get(f) is None or site.get(f) in ([], {}, "") for f in FIELDS):   # a drawn site: no reading
        return None, []
    sig = site.get(SIGNATURE)
    if not isinstance(sig, str) or not hmac.compare_digest(sig, _signature(site)):
        raise DeskError(422, "site 所附的文件读取记录（crs_read 坐标系、read_notes 读取说明、shape_warnings 图形警告、survey_header 报批坐标文件的属性描述）"
                             "不是本工作台读取该文件时给出的，或已被改动（签名不符；工作台重启后旧页面的记录也不再有效），"
                             "不能写入核查意见和报批坐标文件。请重新上传场地文件（/api/site/read）后用其回答的 parcels 核查，"
                             "或去掉 crs_read、read_notes、shape_warnings、survey_header 并以 crs 给出坐标系。")
    sig = site.get(SITE_SIGNATURE)
    if not isinstance(sig, str) or not hmac.compare_digest(sig, _site_signature(site)):
        raise DeskError(422, "场地与上传文件读出的不一致，请重新上传：site 的地块（几何、编号、名称）或文件名（name）已不是本工作台"
                             "读取该文件时给出的，文件的读取记录（坐标系、读取说明）不能用于改动后的场地。请重新上传场地文件"
                             "（/api/site/read）后用其回答的 parcels 核查；在地图上绘制的场地请去掉 crs_read、read_notes、shape_warnings、survey_header。")
    notes = site.get("read_notes")
    notes = [n for n in notes if isinstance(n, str)][:MAX_NOTES] if isinstance(notes, list) else []
    return read_as_checked(site.get("crs_read")), notes
