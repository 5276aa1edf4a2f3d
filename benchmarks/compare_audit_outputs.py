"""Compare two idle-audit output folders cell for cell: the GeoParquet complete list (every column, the
geometry WKB bytes and the geo metadata included), the GeoPackage when both have one (every field and
geometry blob), and the workbook (every cell of every sheet; the 说明 lines naming the input file aside).

    python benchmarks/compare_audit_outputs.py BEFORE_DIR AFTER_DIR
"""
import sys, pyarrow.parquet as pq
a, b = sys.argv[1], sys.argv[2]
ta, tb = pq.read_table(f"{a}/idle_audit.parquet"), pq.read_table(f"{b}/idle_audit.parquet")
assert ta.schema.equals(tb.schema, check_metadata=False), (ta.schema, tb.schema)
ma, mb = ta.schema.metadata[b"geo"], tb.schema.metadata[b"geo"]
assert ma == mb, "geo metadata differs"
for c in ta.column_names:
    assert ta.column(c).equals(tb.column(c)), c
print("parquet identical:", ta.num_rows, "rows,", ta.num_columns, "columns (geometry WKB bytes included)")
import os
if os.path.exists(f"{a}/idle_audit.gpkg"):
    import pyogrio
    _, ga = pyogrio.read_arrow(f"{a}/idle_audit.gpkg"); _, gb = pyogrio.read_arrow(f"{b}/idle_audit.gpkg")
    assert ga.schema.equals(gb.schema), "gpkg schema"
    for c in ga.column_names:
        assert ga.column(c).equals(gb.column(c)), c
    print("gpkg identical:", ga.num_rows, "rows (geometry blobs included)")
from python_calamine import CalamineWorkbook
wa, wb = CalamineWorkbook.from_path(f"{a}/idle_audit.xlsx"), CalamineWorkbook.from_path(f"{b}/idle_audit.xlsx")
assert wa.sheet_names == wb.sheet_names, (wa.sheet_names, wb.sheet_names)
cells = 0
for s in wa.sheet_names:
    ra, rb = wa.get_sheet_by_name(s).to_python(), wb.get_sheet_by_name(s).to_python()
    if s == "说明":  # the notes name the input and output paths: compare all but the path lines
        ra = [r for r in ra if "输入文件" not in str(r[0])]; rb = [r for r in rb if "输入文件" not in str(r[0])]
    assert ra == rb, s
    cells += sum(len(r) for r in ra)
print("workbook identical:", wa.sheet_names, cells, "cells")
