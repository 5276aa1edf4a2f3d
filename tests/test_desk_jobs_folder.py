"""A desk whose job folder was removed from the temporary directory still runs audits (review, item 3).

A desk keeps its jobs under ``<tmp>/dcf-desk-jobs-<pid>-…``; the system's cleaner removes what has lain in /tmp
unchanged for days (systemd-tmpfiles, Windows 磁盘清理), so a desk left running over a holiday lost the folder and
its next audit answered 500 (FileNotFoundError) instead of starting.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import httpx

from _desk_server import running_desk

LEDGER = Path(__file__).resolve().parent / "files" / "供地台账.xls"


def test_an_audit_starts_after_the_job_folder_was_cleaned_away(tmp_path, monkeypatch):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))     # this test's own temp root: other desks do not count
    with running_desk(None) as url, httpx.Client(base_url=url, timeout=180) as c:
        (root,) = tmp.glob("dcf-desk-jobs-*")
        shutil.rmtree(root)                                # what the cleaner does to a folder idle for days
        with LEDGER.open("rb") as f:
            r = c.post("/api/audit/idle", files={"parcels": ("供地台账.xls", f)}, data={"as_of": "2025-12-31"})
        assert r.status_code == 202, r.text
        for _ in range(600):
            job = c.get(r.json()["url"]).json()
            if job["status"] in ("done", "failed"):
                break
            time.sleep(0.5)
        assert job["status"] == "done", job
        assert job["downloads"] and c.get(job["downloads"][0]["url"]).status_code == 200
