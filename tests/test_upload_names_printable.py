"""An upload's file name is the user's text: printed in the desk's console log and in the 核查意见 (文件「…」),
it cannot forge a log line, send escape sequences to the operator's terminal, nor reverse text with a
right-to-left override (breaker F7). Shown instead: ⏎ for a newline, ␛ for ESC, <U+202E> for the override."""

from __future__ import annotations

import pytest

from test_site_crs_said import TXT

NAMES = {
    "a\nINFO      伪造：Read 999 features from b.txt\nz.txt": "a⏎INFO      伪造：Read 999 features from b.txt⏎z.txt",
    "\x1b[31mred\x1b[0m.txt": "␛[31mred␛[0m.txt",
    "名\u202eTXT.exe.txt": "名<U+202E>TXT.exe.txt",
}


@pytest.mark.parametrize("name", list(NAMES))
def test_a_forged_name_is_one_printable_line_in_the_console_log(name):
    from dcf_spatial.desk.upload_names import forget_under, remember, shown_in_log

    remember("/tmp/dcf-desk-f7/upload.txt", name)
    try:
        line = shown_in_log("Read 2 features from /tmp/dcf-desk-f7/upload.txt")   # what the console filter writes
    finally:
        forget_under("/tmp/dcf-desk-f7")
    assert line == f"Read 2 features from {NAMES[name]}"
    assert "\n" not in line and "\x1b" not in line and "\u202e" not in line


def _multipart(name: str, data: bytes) -> tuple[bytes, dict]:
    # written by hand: a browser (or curl) sends the name's bytes as they are
    b = "B0f7"
    body = (f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n\r\n').encode() + data \
        + f"\r\n--{b}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={b}"}


@pytest.mark.parametrize("name", list(NAMES))
def test_a_forged_name_is_printed_escaped_in_the_report(desk, name):
    body, headers = _multipart(name, TXT)
    r = desk.post("/api/site/read", content=body, headers=headers)
    assert r.status_code == 200, r.text
    read = r.json()
    assert read["parcels"]["name"] == NAMES[name]
    html = desk.post("/api/site-check/export/html",
                     json={"site": read["parcels"], "crs": read["crs"], "industry": "轴承"}).text
    import html as h

    text = h.unescape(html)
    assert f"文件「{NAMES[name]}」" in text
    assert "\x1b" not in text and "\u202e" not in text
