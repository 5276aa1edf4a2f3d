"""README set-up command 1 regenerates the appendix maps into ``maps/`` and says the clone is left as it was:
the committed web maps must be what the code makes from the shipped layers. A change to the web-map runtime
(its script, its CSS, the characters of the page's font subset) that is not followed by
``dcf maps appendix --out maps/ --overwrite`` leaves a new user's clone modified (QA round 12 found the three
HTML maps stale after the label-spacing change)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcf_spatial import settings
from dcf_spatial.maps import appendix_maps

COMMITTED = Path(__file__).resolve().parents[1] / "maps"


@pytest.mark.slow
def test_the_committed_web_maps_are_what_the_code_makes(tmp_path):
    made = appendix_maps(tmp_path, formats=("html",), store=settings.checkout_store)
    pages = [p for per_map in made.values() for p in per_map.values()]
    assert len(pages) == 3
    stale = [p.name for p in pages if (COMMITTED / p.name).read_bytes() != p.read_bytes()]
    assert not stale, (f"maps/ holds out-of-date web maps {stale}: run `dcf maps appendix --out maps/ --overwrite` "
                       "and commit them")
