"""An audit base date (审计基准日) is a day: a year alone is refused, as a month alone is (breaker B31-11).

`--as-of 2025` was read as 2025-01-01 — every parcel judged a year early, silently — while `2025-12` was refused.
《闲置土地处置办法》第二条 counts idle time in days from the agreed start (满一年), so the audit needs the day; the
CLI, the desk and the Python API answer alike, naming the option and the fix (2025-12-31).
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial.cli.main import cli
from dcf_spatial.errors import InputError

from _ledgers import write_ledger

HEADER = ["宗地编号", "土地用途", "约定开工日期", "实际开工日期", "经度", "纬度"]


def _ledger(tmp_path):
    return write_ledger(tmp_path / "台账.csv", [["A1", "工业用地", "2023-06-01", "", 115.98, 36.45]], header=HEADER)


@pytest.mark.parametrize("value", ["2025", "2025年"])
def test_the_cli_refuses_a_year_and_names_the_option_and_the_day_to_give(tmp_path, value):
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(_ledger(tmp_path)), "--as-of", value,
                                   "-o", str(tmp_path / "out"), "--no-map"])
    assert res.exit_code == 2, res.output
    assert "--as-of" in res.output and "只有年份" in res.output and "2025-12-31" in res.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["2025", 2025])
def test_the_python_api_refuses_a_year_alike(tmp_path, value):
    with pytest.raises(InputError, match="只有年份.*2025-12-31"):
        dcf.audit_idle(str(_ledger(tmp_path)), as_of=value)


def test_the_desk_refuses_a_year_alike():
    from dcf_spatial.desk.routes.api import DeskError, _as_of

    with pytest.raises(DeskError) as err:
        _as_of("2025")
    assert err.value.status == 422 and "只有年份" in str(err.value) and "2025-12-31" in str(err.value)


def test_a_day_typed_as_a_number_in_python_is_that_day(tmp_path):
    # the CLI reads 20251231 as the day; so does the API (it was nanoseconds after 1970: 早于 1990-01-01)
    assert dcf.audit_idle(str(_ledger(tmp_path)), as_of=20251231).as_of.strftime("%Y-%m-%d") == "2025-12-31"
