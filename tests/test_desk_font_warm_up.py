"""The first PDF download at the desk waited ~21 s (a loaded machine) for its font subset with no word on the page
(issue 12, finding e): the desk now derives that subset in the background as it starts. Slow (about 9 s of CPU
with a fresh font cache): listed in conftest's _SLOW_MODULES."""

from __future__ import annotations

from test_gpkg_outside_edits import _copy


def test_the_desk_prepares_the_pdf_font_as_it_starts(tmp_path, monkeypatch):
    """The first PDF download waited ~21 s for its font subset with nothing said: the desk derives it in the
    background as it starts, so it is in the font cache before anyone asks for a PDF."""
    import threading
    import time

    from fastapi.testclient import TestClient

    from dcf_spatial.desk.app import create_app

    cache = tmp_path / "cache"
    monkeypatch.setenv("DCF_CACHE_DIR", str(cache))
    with TestClient(create_app(_copy(tmp_path)), base_url="http://127.0.0.1"):
        start = time.monotonic()
        while any(t.name == "dcf-desk-warm-up" for t in threading.enumerate()) and time.monotonic() - start < 600:
            time.sleep(0.2)
    assert sorted(p.name.split("-")[1] for p in (cache / "fonts").glob("NotoSansSC-w*-s*.ttf")) == ["w400", "w700"]
