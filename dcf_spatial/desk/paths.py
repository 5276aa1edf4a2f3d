"""Where the desk's own page assets live (package data), for the app and the page routes."""

from __future__ import annotations

from pathlib import Path

#: the desk's HTML, JS and CSS (shipped as package data)
STATIC_DIR = Path(__file__).with_name("static")
