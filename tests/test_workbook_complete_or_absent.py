"""A land bureau hands the workbook on as it finds it: a writer that fails part-way (a full disk, a killed
run) must leave no half-written workbook under the workbook's name, nor its temporary file."""

from __future__ import annotations

import pandas as pd
import pytest

from dcf_spatial.land import outputs


def _partial_then(action):
    """A ``write_worksheets`` that writes part of the file, then fails as ``action`` says."""
    def write(sheets, path, **kw):
        with open(path, "wb") as fh:
            fh.write(b"PK\x03\x04 half a workbook")
        action()
    return write


def test_a_workbook_writer_failing_part_way_leaves_no_file_under_the_workbooks_name(tmp_path, monkeypatch):
    import rustpy_xlsxwriter

    def boom():
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rustpy_xlsxwriter, "write_worksheets", _partial_then(boom))
    path = tmp_path / "efficiency.xlsx"
    frame = pd.DataFrame({"row": [1], "eff_class": ["A"], "township_zh": ["甲镇"], "cluster_zh": ["x"],
                          "land_area_mu": [1.0], "tax_wan": [1.0], "problems": [""]})
    with pytest.raises(OSError, match="No space left"):
        outputs.write_efficiency_excel(frame, path, notes=["说明"], low_tables={})
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []  # nor its temporary file
