"""Issue 13, goal 2: a large idle audit writes its workbook in a process of its own
(:mod:`dcf_spatial.land.workbook_process`), beside the complete list and the map. The workbook must
be the very one written in the audit's own process, and a failure of the child must reach the
caller with the child's message; a child never handed a workbook is ended."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from dcf_spatial import sample
from dcf_spatial.land import audit_idle, workbook_process
from dcf_spatial.land.workbook_process import WorkbookProcess

from test_idle_audit import make_land_store


def _cells(path) -> dict:
    book = openpyxl.load_workbook(path)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def test_the_workbook_written_in_a_child_process_is_the_one_written_in_process(tmp_path, monkeypatch):
    store = make_land_store(tmp_path / "store.gpkg")
    parcels = sample.generate_parcels(400, seed=3)
    src = tmp_path / "parcels.gpkg"
    parcels.to_file(src, driver="GPKG")
    here = audit_idle(src, as_of="2025-12-31", out=tmp_path / "here", store=store, map=False)
    started = []
    real_start = WorkbookProcess.start.__func__

    def counted(cls):
        started.append(1)
        return real_start(cls)

    monkeypatch.setattr(workbook_process, "MIN_ROWS", 0)  # every audit's workbook in a child
    monkeypatch.setattr(WorkbookProcess, "start", classmethod(counted))
    child = audit_idle(src, as_of="2025-12-31", out=tmp_path / "child", store=store, map=False)
    assert started == [1]
    a, b = _cells(here.files["excel"]), _cells(child.files["excel"])
    assert list(a) == list(b)
    assert sum(len(rows) for rows in a.values()) > 400
    for sheet in a:
        assert a[sheet] == b[sheet], sheet
    assert "idle_audit.xlsx" in {p.name for p in (tmp_path / "child").iterdir()}


def test_a_failure_in_the_child_reaches_the_caller_with_its_message(tmp_path):
    proc = WorkbookProcess.start()
    try:
        sheets = [("表", pd.DataFrame({"a": [1, 2]}))]
        proc.submit(tmp_path / "no such folder" / "x.xlsx", sheets, {}, [[]])
        with pytest.raises(RuntimeError, match="工作簿写出失败"):
            proc.wait()
    finally:
        proc.close()
    assert not (tmp_path / "no such folder").exists()


def test_a_child_never_handed_a_workbook_is_ended(tmp_path):
    proc = WorkbookProcess.start()
    proc.close()
    assert proc._popen.poll() is not None
    proc.close()  # twice is fine


def test_the_map_libraries_imported_ahead_are_imported_once_the_thread_ends():
    import sys
    import threading

    from dcf_spatial.land.report import WRITER_MODULES, import_writers_ahead

    import_writers_ahead()
    import_writers_ahead()  # a second call starts no second thread
    ahead = [t for t in threading.enumerate() if t.name == "dcf-import-ahead"]
    assert len(ahead) <= 1
    for t in ahead:
        t.join(60)
    assert all(m in sys.modules for m in WRITER_MODULES)
