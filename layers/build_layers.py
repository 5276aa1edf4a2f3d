"""Build the default layer store (``layers/dcf_layers.gpkg``) from the sources shipped with the package.

A thin shim: the build lives in :mod:`dcf_spatial.store.build` (sources in
``dcf_spatial/store/sources/``). Usage::

    python layers/build_layers.py --overwrite           # the checkout's store, layers/dcf_layers.gpkg,
                                                        # and its package-data copy dcf_spatial/store/default/
    python layers/build_layers.py --store /tmp/x.gpkg   # anywhere else
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # running from a checkout without an install
    sys.path.insert(0, str(HERE.parent))

from dcf_spatial import settings  # noqa: E402
from dcf_spatial.store.build import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(default_store=HERE / "dcf_layers.gpkg", mirror=settings.packaged_store))
