"""Run the default-layer build script that lives beside its sources in ``layers/``.

The script is kept under ``layers/`` (with the sources it reads) so that the layers can be
rebuilt and audited without the package; this module only locates and runs it.
"""

from __future__ import annotations

import logging
import runpy
from pathlib import Path

from . import settings
from .errors import InputError

logger = logging.getLogger(__name__)


def build_script() -> dict:
    """The namespace of ``layers/build_layers.py`` (its ``build``, ``build_layers``, ``load_sources`` …)."""
    script = settings.layers_dir / "build_layers.py"
    if not script.exists():
        raise InputError(
            f"找不到 {script}：默认图层要由项目源码目录（layers/ 构建脚本和 layers/sources/）生成。"
            "请从克隆的源码目录安装本软件包：`pip install -e .`。"
        )
    return runpy.run_path(str(script), run_name="dcf_layers_build")


def build_default_layers(store) -> Path:
    """Build every default layer into the GeoPackage ``store`` from ``layers/sources``."""
    build_script()["build"](Path(store))
    logger.info("Built the default layers into %s", store)
    return Path(store)
