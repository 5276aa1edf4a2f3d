"""Table names of a layer store, and how a store location is recognised and shown.

Kept apart from :mod:`dcf_spatial.store.backends` (which re-exports every name here) so that the
backends import it without importing their own package's ``open_store``.
"""

from __future__ import annotations

import re

CATALOG_TABLE = "dcf_catalog"
CATALOG_HISTORY_TABLE = "dcf_catalog_history"
HISTORY_PREFIX = "_history__"
#: columns of ``dcf_catalog``, in order
CATALOG_COLUMNS = ("id", "title_zh", "geometry", "provenance", "source", "description", "version",
                   "history", "imported_from", "sha256", "updated_at", "extra")

_PG_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
# pathlib collapses "//" to "/": settings.store = Path("postgresql://u@h/db") arrives as
# "postgresql:/u@h/db". Recognised here so that DCF_STORE holding a URL still works.
_COLLAPSED = re.compile(r"^(postgresql|postgres|postgresql\+psycopg):/(?!/)")


def history_table(layer_id: str, n: int) -> str:
    """Name of the table that keeps version ``n`` of ``layer_id`` (the one an import replaced)."""
    return f"{HISTORY_PREFIX}{layer_id}__{n}"


def as_pg_url(store) -> str | None:
    """The PostgreSQL URL that ``store`` names, or ``None`` when it is a file path."""
    if store is None:
        return None
    text = str(store)
    if text.startswith(_PG_SCHEMES):
        return text
    m = _COLLAPSED.match(text)
    if m:
        return f"{m.group(1)}://{text[m.end():]}"
    return None


def is_pg_url(store) -> bool:
    return as_pg_url(store) is not None


_PASSWORD_IN_URL = re.compile(r"(?P<head>(?:postgres(?:ql)?(?:\+\w+)?):/{1,2}[^:/@\s]*:)(?P<pw>[^@\s]*)@")


def mask_url(text) -> str:
    """``text`` with the password of every PostgreSQL URL in it replaced by ``***``.

    >>> mask_url("postgresql://dcf:secret@127.0.0.1:5432/gis?schema=x")
    'postgresql://dcf:***@127.0.0.1:5432/gis?schema=x'
    """
    return _PASSWORD_IN_URL.sub(lambda m: m.group("head") + "***@", str(text))
