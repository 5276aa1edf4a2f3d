"""The audit's writes without reading back (issue 13, goal 2): the workbook's control-character check
answered from the arrow bytes, and the manifest's sha256 taken by each writer as it finishes (the
input's during the read), never a stale digest."""

from __future__ import annotations

import hashlib
import json
import os

import openpyxl
import pandas as pd
import pytest

from dcf_spatial.io import output_set
from dcf_spatial.io.output_set import hash_ahead, hash_written, sha256_of, write_set
from dcf_spatial.land.outputs import _control_characters_replaced, _utf8_free_of_controls, _workbook, _write_sheet


def _sha(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def _arrow_text(values):
    return pd.Series(values, dtype=pd.StringDtype("pyarrow"))


# --- control characters: every text column is checked, by its bytes first -----------------------------------------
@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1f"])
def test_a_control_character_anywhere_in_an_arrow_column_is_seen(char):
    s = _arrow_text(["甲", None, f"宗地{char}名", "乙"])
    assert not _utf8_free_of_controls(s)
    out, n = _control_characters_replaced(pd.DataFrame({"名称": s}))
    assert n == 1 and out["名称"].tolist()[2] == "宗地\ufffd名"


def test_tab_newline_and_chinese_text_are_not_control_characters():
    # tab, line feed and carriage return are allowed in a cell (openpyxl's ILLEGAL_CHARACTERS_RE spares
    # them); the bytes of Chinese characters are all ≥ 0x80
    s = _arrow_text(["第一行\n第二行", "a\tb", "回车\r", "疑似闲置（满一年未动工开发）", None])
    assert _utf8_free_of_controls(s)
    frame = pd.DataFrame({"理由": s})
    out, n = _control_characters_replaced(frame)
    assert n == 0 and out is frame


def test_a_slice_whose_buffer_holds_a_control_character_outside_it_is_still_right():
    s = _arrow_text(["坏\x00", "好", "也好"]).iloc[1:].reset_index(drop=True)
    out, n = _control_characters_replaced(pd.DataFrame({"c": s}))
    assert n == 0 and out["c"].tolist() == ["好", "也好"]


def test_python_string_columns_are_checked_cell_by_cell():
    s = pd.Series(["企业\x00名", "正常", None], dtype=object)
    assert not _utf8_free_of_controls(s)  # not arrow-backed: no shortcut
    out, n = _control_characters_replaced(pd.DataFrame({"企业名称": s}))
    assert n == 1 and out["企业名称"].tolist() == ["企业\ufffd名", "正常", None]


def test_the_workbook_holds_the_replacement_not_the_escape(tmp_path):
    path = tmp_path / "a.xlsx"
    with _workbook(path) as book:
        _write_sheet(book, pd.DataFrame({"宗地代码": _arrow_text(["A\x00", "B"]), "n": [1, 2]}), "清单")
    rows = list(openpyxl.load_workbook(path, read_only=True)["清单"].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["A\ufffd", "B"]


# --- the manifest's digests ---------------------------------------------------------------------------------------
def test_a_file_hashed_by_its_writer_is_listed_with_its_digest_and_not_read_again(tmp_path, monkeypatch):
    def write(stage):
        (stage / "a.txt").write_text("甲" * 1000, encoding="utf-8")
        hash_written(stage / "a.txt")
        (stage / "b.txt").write_text("乙", encoding="utf-8")  # not hashed ahead: read by write_set
        return {"a": str(stage / "a.txt"), "b": str(stage / "b.txt")}

    read = []
    real = output_set.sha256_file
    monkeypatch.setattr(output_set, "sha256_file", lambda p: read.append(os.path.basename(p)) or real(p))
    write_set(tmp_path / "out", write)
    files = json.loads((tmp_path / "out" / output_set.MANIFEST).read_text(encoding="utf-8"))["files"]
    assert files["a.txt"]["sha256"] == _sha(tmp_path / "out" / "a.txt")
    assert files["b.txt"]["sha256"] == _sha(tmp_path / "out" / "b.txt")
    assert read.count("a.txt") == 1 and read.count("b.txt") == 1  # a.txt once, by its writer


def test_a_file_changed_after_it_was_hashed_is_hashed_again(tmp_path):
    def write(stage):
        p = stage / "a.txt"
        p.write_text("old", encoding="utf-8")
        hash_written(p)
        p.write_text("a longer new text", encoding="utf-8")  # changed after: the early digest is stale
        return {"a": str(p)}

    write_set(tmp_path / "out", write)
    files = json.loads((tmp_path / "out" / output_set.MANIFEST).read_text(encoding="utf-8"))["files"]
    assert files["a.txt"]["sha256"] == _sha(tmp_path / "out" / "a.txt") != hashlib.sha256(b"old").hexdigest()


def test_an_input_hashed_ahead_gives_its_own_digest_and_a_changed_one_its_new_digest(tmp_path):
    p = tmp_path / "parcels.csv"
    p.write_bytes(b"parcel_id\nA\n" * 10_000)
    hash_ahead(p)
    assert sha256_of(p) == _sha(p)
    hash_ahead(p)
    p.write_bytes(b"parcel_id\nB\n")  # changed after the hash started: size differs, hashed again
    assert sha256_of(p) == _sha(p)


def test_hash_ahead_leaves_what_is_not_a_plain_file_to_sha256_of(tmp_path):
    hash_ahead(tmp_path / "missing.gpkg")  # nothing to hash: no error, no thread
    hash_ahead("pg:public.parcels")
    assert sha256_of("pg:public.parcels") is None
