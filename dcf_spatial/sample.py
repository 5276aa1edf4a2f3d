"""A synthetic sample district: parcels and enterprises that exercise every audit status.

Everything here is **合成数据** (synthetic): parcel ids start with ``SYN-``, holders are named
``合成企业00001（样例）``, every row has ``synthetic = True`` and a ``data_note``; the credit codes
pass the GB 32100 checksum (so the validators accept them) but their organisation code starts
``YY`` — a visible synthetic marker. Generation is seeded: the same ``seed`` gives the same files.

Parcels are placed on a jittered grid inside the layer store's industrial clusters (most of
them) and elsewhere in the planning area, so they do not overlap; some cells straddle a zone
boundary, which exercises the largest-share assignment. Dates are set relative to
:data:`SAMPLE_AS_OF` so that an audit on that date meets every status.

Examples
--------
>>> from dcf_spatial import sample
>>> paths = sample.write_sample("out/sample", parcels=2000, seed=1)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from . import settings
from .crs import to_working
from . import _fixes
from .errors import InputError, LayerNotFoundError

logger = logging.getLogger(__name__)

#: audit date the sample's dates are built around (the notebook and README audit on it)
SAMPLE_AS_OF = "2025-12-31"
SAMPLE_YEAR = 2024
#: division code of Dongchangfu, characters 3–8 of the synthetic credit codes
SAMPLE_REGION = "371502"
SYNTHETIC_NOTE = "合成数据（程序生成的虚构样例，非真实宗地/企业，仅供演示测试）"

#: scenario -> share of parcels; each scenario aims at one audit status
SCENARIOS = {
    "started_ok": 0.50, "recent": 0.07, "idle": 0.07, "reclaim": 0.05, "underdeveloped": 0.06,
    "stopped_ok": 0.04, "excused": 0.04, "extended": 0.04, "no_agreed_start": 0.02,
    "non_construction": 0.03, "insufficient": 0.025, "bad_date": 0.005, "bad_code": 0.005, "boundary": 0.03,
}
#: largest grid cell (m): a parcel fills 55–95 % of a cell's side, so at most about 190 亩
MAX_CELL_M = 350.0
#: manufacturing codes for parcels outside the clusters (GB/T 4754-2017)
OUTSIDE_INDUSTRIES = ["C3311", "C3360", "C3484", "C3670", "C2927", "C3021", "C1391", "C2641", "C3130", "C3451"]


def _zones(store=None):
    from .store import catalog
    from .errors import DcfError

    try:
        clusters = to_working(catalog.read_layer("industrial_clusters", store=store))
        try:
            area = to_working(catalog.read_layer("planning_area", store=store))
        except LayerNotFoundError:  # a store without it: fall back to the townships' union
            area = to_working(catalog.read_layer("townships", store=store))
    except DcfError as exc:
        raise InputError(
            f"样例数据要布置在图层库的产业集聚区和规划范围上，但这两个图层读不出来（{exc}）。"
            f"请先生成默认图层（layers/build_layers.py），或{_fixes.STORE}。"
        ) from None
    return clusters, area


def _grid_cells(polygon, n_needed: int, rng, *, exclude=None, density: float = 1.6, max_size: float = MAX_CELL_M):
    """Centres and size of ``n_needed`` random cells of a square grid whose centres lie in ``polygon``
    (cells at most ``max_size`` metres, so that sparse parcels stay parcel-sized)."""
    import shapely

    if n_needed <= 0:
        return np.empty((0, 2)), 1.0
    area = polygon.area - (shapely.area(shapely.intersection(polygon, exclude)) if exclude is not None else 0)
    size = min(float(np.sqrt(max(area, 1.0) / (n_needed * density))), max_size)
    shapely.prepare(polygon)
    for _ in range(8):
        xmin, ymin, xmax, ymax = polygon.bounds
        xs = np.arange(xmin + size / 2, xmax, size)
        ys = np.arange(ymin + size / 2, ymax, size)
        gx, gy = np.meshgrid(xs, ys)
        gx, gy = gx.ravel(), gy.ravel()
        inside = shapely.contains_xy(polygon, gx, gy)
        if exclude is not None:
            inside &= ~shapely.contains_xy(exclude, gx, gy)
        if inside.sum() >= n_needed:
            pick = rng.choice(np.flatnonzero(inside), size=n_needed, replace=False)
            return np.column_stack([gx[pick], gy[pick]]), size
        size *= 0.8
    raise InputError(f"无法在各区域内放下 {n_needed:,} 宗样例地块；请减少 --parcels 的数量。")


def _credit_codes(numbers: np.ndarray) -> np.ndarray:
    from .land.codes import make_credit_code

    return np.array([make_credit_code(SAMPLE_REGION, f"YY{k:06d}") for k in numbers], dtype=object)


def _days(rng, lo, hi, size):
    return pd.to_timedelta(rng.integers(lo, hi, size=size), unit="D")


def generate_parcels(n: int = 2000, *, seed: int = 0, store=None, in_cluster_share: float = 0.7):
    """Generate ``n`` synthetic parcels (GeoDataFrame, EPSG:4490) with the audit's fields.

    Columns: the canonical parcel fields of :mod:`dcf_spatial.land.parcels`, plus ``scenario``
    (the status the row was built to meet), ``built_share`` (what a synthetic image shows),
    ``synthetic`` (True) and ``data_note``.
    """
    import geopandas as gpd
    import shapely

    from .crs import to_storage

    if n < 1:
        raise InputError(f"--parcels：{n} 不是正整数，地块数至少为 1。")
    rng = np.random.default_rng(seed)
    clusters, area = _zones(store)
    union_clusters = shapely.union_all(clusters.geometry.values)
    n_in = int(round(n * in_cluster_share))
    cl_area = clusters.geometry.area.to_numpy()
    per_cluster = np.floor(n_in * cl_area / cl_area.sum()).astype(int)
    per_cluster[np.argmax(cl_area)] += n_in - per_cluster.sum()
    centres, sizes, zone_ids = [], [], []
    for geom, k, zid in zip(clusters.geometry.values, per_cluster, clusters["id"]):
        c, s = _grid_cells(geom, int(k), rng)
        centres.append(c)
        sizes.append(np.full(len(c), s))
        zone_ids += [zid] * len(c)
    c, s = _grid_cells(shapely.union_all(area.geometry.values), n - n_in, rng, exclude=union_clusters, density=4.0)
    centres.append(c)
    sizes.append(np.full(len(c), s))
    zone_ids += [""] * len(c)
    xy = np.vstack(centres)
    size = np.concatenate(sizes)
    order = rng.permutation(n)
    xy, size, zone_ids = xy[order], size[order], np.asarray(zone_ids, dtype=object)[order]
    w = size * rng.uniform(0.55, 0.95, n)
    h = size * rng.uniform(0.55, 0.95, n)
    # a few cells grow across their neighbours' edge: parcels that straddle a zone boundary
    grow = rng.random(n) < 0.02
    w = np.where(grow, size * 1.6, w)
    geoms = shapely.box(xy[:, 0] - w / 2, xy[:, 1] - h / 2, xy[:, 0] + w / 2, xy[:, 1] + h / 2)
    area_m2 = w * h
    area_mu = area_m2 / settings.MU_M2

    names = list(SCENARIOS)
    p = np.array([SCENARIOS[k] for k in names])
    scenario = np.asarray(names, dtype=object)[rng.choice(len(names), size=n, p=p / p.sum())]
    R = pd.Timestamp(SAMPLE_AS_OF)
    Y = 365
    agreed = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    actual = agreed.copy()
    stopped = agreed.copy()
    extension = agreed.copy()
    developed = np.full(n, np.nan)
    total = np.round(area_mu * rng.uniform(150, 600, n), 1)
    invested = np.full(n, np.nan)
    gov = np.full(n, None, dtype=object)
    code = np.where(rng.random(n) < 0.9, "0601", "0604").astype(object)

    def sel(name):
        return np.flatnonzero(scenario == name)

    def set_dates(series, idx, dates):
        series.iloc[idx] = np.asarray(dates, dtype="datetime64[ns]")

    rng_law = np.random.default_rng(seed + 53)  # a stream of its own: the older columns stay as they were
    i = sel("started_ok")
    set_dates(agreed, i, R - _days(rng, int(1.5 * Y), 9 * Y, len(i)))
    set_dates(actual, i, agreed.iloc[i] + _days(rng, 0, 300, len(i)))
    developed[i] = area_m2[i] * rng.uniform(0.5, 1.0, len(i))
    invested[i] = total[i] * rng.uniform(0.5, 1.0, len(i))
    i = sel("recent")
    set_dates(agreed, i, R - _days(rng, -200, Y - 2, len(i)))
    i = sel("idle")
    set_dates(agreed, i, R - _days(rng, Y + 3, 2 * Y - 3, len(i)))
    i = sel("reclaim")
    set_dates(agreed, i, R - _days(rng, 2 * Y + 3, 6 * Y, len(i)))
    for name, dev, inv in (("underdeveloped", (0.05, 0.30), (0.05, 0.22)), ("stopped_ok", (0.4, 0.9), (0.3, 0.9)),
                           ("insufficient", None, None)):
        i = sel(name)
        set_dates(agreed, i, R - _days(rng, 4 * Y, 7 * Y, len(i)))
        set_dates(actual, i, agreed.iloc[i] + _days(rng, 0, 200, len(i)))
        set_dates(stopped, i, R - _days(rng, Y + 3, 3 * Y, len(i)))
        if dev is not None:
            developed[i] = area_m2[i] * rng.uniform(*dev, len(i))
            invested[i] = total[i] * rng.uniform(*inv, len(i))
    i = sel("excused")
    set_dates(agreed, i, R - _days(rng, Y + 3, 4 * Y, len(i)))
    gov[i] = rng.choice(list("123456"), size=len(i))
    gov[i[rng_law.random(len(i)) < 0.2]] = "7"  # 第八条第二款: force majeure
    # 令第53号第十二条第（一）项: an extension needs an Art. 8 cause and runs at most one year from the
    # agreed start, so the extended parcels were agreed within the last year and carry a cause
    i = sel("extended")
    set_dates(agreed, i, R - _days(rng, 30, 300, len(i)))
    set_dates(extension, i, agreed.iloc[i] + pd.DateOffset(years=1) - _days(rng, 0, 20, len(i)))
    gov[i] = rng_law.choice(list("1234567"), size=len(i))
    i = sel("non_construction")
    set_dates(agreed, i, R - _days(rng, Y, 5 * Y, len(i)))
    code[i] = rng.choice(["0101", "0103", "1202"], size=len(i))
    i = sel("bad_code")
    set_dates(agreed, i, R - _days(rng, Y, 5 * Y, len(i)))
    code[i] = "06X1"
    i = sel("bad_date")
    set_dates(agreed, i, R - _days(rng, Y, 5 * Y, len(i)))
    # boundary cases: exactly one/two full years before the sample's audit date, ± one day
    i = sel("boundary")
    offsets = rng.choice([-1, 0, 1], size=len(i))
    years = rng.choice([1, 2], size=len(i))
    bdates = [R - pd.DateOffset(years=int(y)) + pd.Timedelta(days=int(o)) for y, o in zip(years, offsets)]
    set_dates(agreed, i, bdates)

    # 《闲置土地认定书》 (Art. 9) recorded for some parcels past one full year: between that day and the audit date
    determination = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    for name, share in (("idle", 0.3), ("reclaim", 0.5)):
        i = sel(name)
        i = i[rng_law.random(len(i)) < share]
        first = agreed.iloc[i] + pd.DateOffset(years=1) + pd.Timedelta(days=1)
        span = np.maximum(1, (R - first).dt.days.to_numpy())
        set_dates(determination, i, first + pd.to_timedelta((rng_law.random(len(i)) * span).astype(int), unit="D"))
    # 应动工开发建设用地总面积 (Art. 2 para. 2) given for about half the started parcels
    required = np.full(n, np.nan)
    started_rows = np.flatnonzero(actual.notna().to_numpy())
    give = started_rows[rng_law.random(len(started_rows)) < 0.5]
    required[give] = np.round(area_m2[give] * rng_law.uniform(0.85, 1.0, len(give)), 1)
    fmt = agreed.dt.strftime("%Y-%m-%d").astype(object).where(agreed.notna(), None)
    bad = sel("bad_date")
    fmt.iloc[bad] = [f"{d.year}-02-30" for d in agreed.iloc[bad]]
    n_holders = max(1, int(n / 1.4))
    holder_no = rng.integers(1, n_holders + 1, size=n)
    price = np.round(area_mu * rng.uniform(12, 40, n), 1)
    supply = np.where(rng.random(n) < 0.92, "出让", "划拨")
    codes_cc = dict(zip(np.unique(holder_no), _credit_codes(np.unique(holder_no))))

    # what a synthetic classified image would show: built share per parcel, with a few contradictions
    started_mask = actual.notna().to_numpy() & (actual <= R).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        built_share = np.where(started_mask, np.clip(np.nan_to_num(developed / area_m2, nan=0.6), 0, 1), 0.0)
    flip = rng.random(n) < 0.015
    built_share = np.where(flip & started_mask, 0.0, built_share)
    built_share = np.where(flip & ~started_mask, 0.85, built_share)

    df = pd.DataFrame({
        "parcel_id": [f"SYN-{k:07d}" for k in range(1, n + 1)],
        "holder": [f"合成企业{k:05d}（样例）" for k in holder_no],
        "credit_code": [codes_cc[k] for k in holder_no],
        "land_use_code": code,
        "supply_type": supply,
        "land_price_wan": price,
        "agreed_start": fmt.to_numpy(),
        "agreed_completion": (agreed + pd.DateOffset(years=2)).dt.strftime("%Y-%m-%d").astype(object).where(agreed.notna(), None).to_numpy(),
        "actual_start": actual.dt.strftime("%Y-%m-%d").astype(object).where(actual.notna(), None).to_numpy(),
        "developed_area_m2": np.round(developed, 1),
        "total_investment_wan": total,
        "invested_wan": np.round(invested, 1),
        "stopped_since": stopped.dt.strftime("%Y-%m-%d").astype(object).where(stopped.notna(), None).to_numpy(),
        "extension_until": extension.dt.strftime("%Y-%m-%d").astype(object).where(extension.notna(), None).to_numpy(),
        "gov_cause": gov,
        "determination_date": determination.dt.strftime("%Y-%m-%d").astype(object).where(determination.notna(), None).to_numpy(),
        "required_dev_area_m2": required,
        "scenario": scenario,
        "sample_cluster": zone_ids,
        "built_share": np.round(built_share, 3),
        "synthetic": True,
        "data_note": SYNTHETIC_NOTE,
    })
    # duplicates: a handful of ids repeated on purpose (reported, never merged)
    ndup = max(1, n // 500) if n >= 10 else 0
    if ndup:
        src = rng.choice(n, size=ndup, replace=False)
        dst = rng.choice(np.setdiff1d(np.arange(n), src), size=ndup, replace=False)
        df.loc[dst, "parcel_id"] = df.loc[src, "parcel_id"].to_numpy()
        df.loc[dst, "scenario"] = df.loc[dst, "scenario"] + "+duplicate_id"
    gdf = gpd.GeoDataFrame(df, geometry=geoms, crs=settings.working_crs)
    gdf = to_storage(gdf)
    logger.info("Generated %d synthetic parcels (seed %d), %d in the clusters", n, seed, n_in)
    return gdf


def generate_enterprises(parcels, *, seed: int = 0, year: int = SAMPLE_YEAR) -> pd.DataFrame:
    """One synthetic enterprise per parcel holder, with the industries of its cluster.

    Figures are lognormal around plausible per-亩 levels; some firms are below scale and small
    (class T), some omit their land area (derived from parcels), all are labelled synthetic.
    """
    rng = np.random.default_rng(seed + 1)
    rng_more = np.random.default_rng(seed + 2)
    zones = _plan_zone_industries()
    g = parcels.assign(_area_mu=to_working(parcels).geometry.area / settings.MU_M2)
    firms = g.groupby("credit_code", sort=True).agg(name=("holder", "first"), land_area_mu=("_area_mu", "sum"),
                                                    cluster=("sample_cluster", "first")).reset_index()
    n = len(firms)
    industry = []
    for cl in firms["cluster"]:
        choices = [c for c in zones.get(cl, []) if c.startswith("C")] or OUTSIDE_INDUSTRIES
        industry.append(choices[rng.integers(len(choices))])
    land = firms["land_area_mu"].to_numpy()
    quality = rng.lognormal(0, 0.6, n)
    revenue = np.round(land * 250 * quality * rng.lognormal(0, 0.3, n), 1)
    tax = np.round(revenue * rng.uniform(0.02, 0.07, n), 1)
    above = rng.random(n) < 0.6
    small = rng.random(n) < 0.05
    land = np.where(small & ~above, rng.uniform(0.5, 2.9, n), land)
    declared = np.where(rng.random(n) < 0.85, np.round(land, 2), np.nan)
    out = pd.DataFrame({
        "credit_code": firms["credit_code"],
        "name": firms["name"],
        "industry_code": industry,
        "above_scale": np.where(above, "是", "否"),
        "land_area_mu": declared,
        "tax_wan": tax,
        "revenue_wan": revenue,
        "energy_tce": np.round(revenue * rng.uniform(0.02, 0.2, n), 1),
        "employees": np.maximum(3, np.round(revenue / rng.uniform(60, 200, n))).astype(int),
        "rd_wan": np.round(revenue * rng.uniform(0.0, 0.05, n), 1),
        # the Shandong county model's other inputs, from a stream of their own (older columns unchanged)
        "emissions_t": np.round(revenue * rng_more.uniform(0.0005, 0.01, n), 2),
        "start_year": year - rng_more.integers(0, 15, n),
        "veto": np.where(rng_more.random(n) < 0.01, "评价年度内发生重大生产安全事故（合成样例）", None),
        "year": year,
        "synthetic": True,
        "data_note": SYNTHETIC_NOTE,
    })
    logger.info("Generated %d synthetic enterprises (seed %d)", n, seed)
    return out


def _plan_zone_industries() -> dict:
    path = settings.data_dir / "plan_zones.json"
    if not path.exists():
        return {}
    zones = json.loads(path.read_text(encoding="utf-8")).get("zones", {})
    return {k: v.get("industries_gbt4754", []) for k, v in zones.items()}


def write_builtup_raster(parcels, path, *, resolution: float = 10.0, seed: int = 0) -> Path:
    """A synthetic 0/1 built-up mask (GeoTIFF in EPSG:4548) showing each parcel's ``built_share``
    as a built square in its middle; a different CRS from the parcels on purpose."""
    import rasterio
    import shapely
    from rasterio import features
    from rasterio.transform import from_origin

    work = to_working(parcels)
    xmin, ymin, xmax, ymax = work.total_bounds
    pad = 5 * resolution
    xmin, ymin, xmax, ymax = xmin - pad, ymin - pad, xmax + pad, ymax + pad
    width, height = int(np.ceil((xmax - xmin) / resolution)), int(np.ceil((ymax - ymin) / resolution))
    transform = from_origin(xmin, ymax, resolution, resolution)
    share = work["built_share"].to_numpy(dtype=float)
    keep = share > 0
    cx, cy = shapely.get_x(work.geometry.centroid.values), shapely.get_y(work.geometry.centroid.values)
    b = work.geometry.bounds.to_numpy()
    f = np.sqrt(share)
    hw, hh = (b[:, 2] - b[:, 0]) / 2 * f, (b[:, 3] - b[:, 1]) / 2 * f
    boxes = shapely.box(cx - hw, cy - hh, cx + hw, cy + hh)
    arr = features.rasterize(((g, 1) for g in boxes[keep]), out_shape=(height, width), transform=transform,
                             fill=0, dtype="uint8")
    path = Path(path)
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1, dtype="uint8",
                       crs=settings.working_crs, transform=transform, nodata=255, compress="deflate") as dst:
        dst.write(arr, 1)
        dst.update_tags(note="合成数据：建成区掩膜（1=建成，0=未建成），由样例宗地生成，非真实影像", synthetic="true")
    logger.info("Wrote synthetic built-up mask %s (%dx%d cells of %.0f m)", path, width, height, resolution)
    return path


def write_sample(directory, *, parcels: int = 2000, seed: int = 0, store=None, imagery: bool = True,
                 overwrite: bool = False, progress: bool = False) -> dict:
    """Write the sample district into ``directory``: ``parcels.gpkg``, ``enterprises.csv`` (UTF-8 with
    BOM, opens in Excel), ``builtup_mask.tif`` (when ``imagery``) and ``README.txt``.

    Everything written is synthetic (合成数据): ids start ``SYN-``, holders are named 合成企业…（样例）,
    and every row carries ``synthetic = True``. The same ``seed`` gives the same files.

    ``progress`` shows each step on stderr (a bar on a terminal, plain lines in a log).

    Returns
    -------
    dict
        The paths written (``parcels``, ``enterprises``, ``readme``, ``imagery``). Refuses to replace
        existing files unless ``overwrite``.

    Examples
    --------
    >>> import dcf_spatial as dcf
    >>> files = dcf.write_sample("out/sample", parcels=500, seed=1)        # doctest: +SKIP
    >>> dcf.audit_idle(files["parcels"], as_of="2025-12-31").counts        # doctest: +SKIP
    """
    directory = Path(directory)
    files = {"parcels": directory / "parcels.gpkg", "enterprises": directory / "enterprises.csv",
             "readme": directory / "README.txt"}
    if imagery:
        files["imagery"] = directory / "builtup_mask.tif"
    existing = [str(p) for p in files.values() if p.exists()]
    if existing and not overwrite:
        raise InputError(f"样例文件已存在：{', '.join(existing)}。要替换请{_fixes.OVERWRITE}，或换一个文件夹。")
    from .progress import steps_bar

    directory.mkdir(parents=True, exist_ok=True)
    bar = steps_bar(4 + bool(imagery), "合成样例数据", progress)
    bar.step("生成宗地")
    gdf = generate_parcels(parcels, seed=seed, store=store)
    bar.step("生成企业")
    ent = generate_enterprises(gdf, seed=seed)
    if files["parcels"].exists():
        files["parcels"].unlink()
    bar.step("写出宗地")
    gdf.to_file(files["parcels"], layer="parcels", driver="GPKG", engine="pyogrio", use_arrow=True)
    bar.step("写出企业表")
    ent.to_csv(files["enterprises"], index=False, encoding="utf-8-sig")
    if imagery:
        bar.step("写出建成区影像")
        write_builtup_raster(gdf, files["imagery"], seed=seed)
    bar.close()
    counts = gdf["scenario"].value_counts().to_dict()
    files["readme"].write_text(
        "东昌府区合成样例数据（合成数据）\n"
        "================================\n"
        f"本目录全部内容由 dcf sample 程序生成（seed={seed}，宗地 {len(gdf):,} 宗，企业 {len(ent):,} 家），"
        "是虚构的合成数据，不是真实宗地、权利人或企业，不得作为任何行政决定的依据。\n"
        "- parcels.gpkg：宗地（EPSG:4490），宗地代码以 SYN- 开头，权利人为“合成企业xxxxx（样例）”，synthetic=True；\n"
        "- enterprises.csv：企业年度指标（UTF-8 带 BOM）；统一社会信用代码能通过校验，但组织机构代码部分以 YY 开头，为合成标记；\n"
        + ("- builtup_mask.tif：合成建成区掩膜（EPSG:4548，1=建成），少数宗地故意与记录矛盾，用于演示影像核查；\n" if imagery else "")
        + f"- 日期按审计基准日 {SAMPLE_AS_OF} 设计，覆盖全部审计结论；scenario 列为生成时设定的情形：{json.dumps(counts, ensure_ascii=False)}。\n"
        "宗地位置依据图层库中的示意图层（工业集聚区、规划范围）生成，也是示意。\n",
        encoding="utf-8")
    logger.info("Wrote synthetic sample to %s", directory)
    return {k: str(v) for k, v in files.items()}
