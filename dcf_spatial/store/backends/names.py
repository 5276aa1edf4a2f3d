"""Table names of a layer store, and how a store location is recognised and shown.

Kept apart from :mod:`dcf_spatial.store.backends` (which re-exports every name here) so that the
backends import it without importing their own package's ``open_store``.
"""

from __future__ import annotations

import re

CATALOG_TABLE = "dcf_catalog"
CATALOG_HISTORY_TABLE = "dcf_catalog_history"
#: a GeoPackage store's per-layer counts of row writes (its triggers: :mod:`.gpkg_edits`)
GPKG_EDITS_TABLE = "dcf_layer_edits"
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


# Hand-written, because no library masks all of these forms in free text (sqlalchemy's
# URL.render_as_string hides only a parsed URL's password, not one in a message, the query or a
# libpq string). The userinfo password runs to the *last* "@" before the host, so that an
# unencoded "@" in a password does not leave its tail shown.
_PASSWORD_IN_URL = re.compile(
    r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*:/{1,2}[^:/@\s]*:)(?P<pw>[^\s]*?)@(?=[^@\s/?#]*(?:[/?#\s'\"),;]|$))")
#: ``password=…`` as a URL query parameter (``?password=``/``&password=``) or a libpq ``key=value``
#: string (``password=secret`` or ``password='se cret'``); PGPASSWORD=… as written in a shell line
_PASSWORD_KEY = re.compile(
    r"(?i)(?P<head>\b(?:\w*pass(?:word|wd)?|pwd)\s*=\s*)(?P<pw>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s&'\";,)]*)")
#: passwords seen in this process (a store's URL), masked wherever they appear verbatim
_KNOWN_SECRETS: set[str] = set()


def remember_secret(secret: str | None) -> None:
    """Mask ``secret`` (and its URL-encoded form) in every later :func:`mask_url` call.

    A store registers its password here when it opens, so that a driver message quoting it in
    some other form (decoded, in a DSN) is masked too.

    Parameters
    ----------
    secret
        A password; ``None`` or strings shorter than 3 characters are ignored (masking every "a"
        would garble messages and hide nothing worth hiding).

    Examples
    --------
    >>> remember_secret("s3cr@t-1")
    >>> mask_url("connection to db failed for s3cr@t-1")
    'connection to db failed for ***'
    """
    if secret and len(secret) >= 3:
        from urllib.parse import quote

        _KNOWN_SECRETS.update({secret, quote(secret, safe="")})


def mask_url(text) -> str:
    """``text`` with every password in it replaced by ``***``: the one masking function.

    Masks the password of every URL (``scheme://user:PASSWORD@host``, also when the password holds
    an unencoded ``@``), ``password=`` in a URL query or a libpq ``key=value`` string (quoted or
    not), ``PGPASSWORD=…``, and every password a store registered (:func:`remember_secret`).

    Parameters
    ----------
    text
        Any text (or object, through ``str``): a URL, a message, an exception.

    Returns
    -------
    str
        The text with each password replaced by ``***``.

    Examples
    --------
    >>> mask_url("postgresql://dcf:secret@127.0.0.1:5432/gis?schema=x")
    'postgresql://dcf:***@127.0.0.1:5432/gis?schema=x'
    >>> mask_url("postgresql://dcf@db/gis?sslmode=require&password=secret")
    'postgresql://dcf@db/gis?sslmode=require&password=***'
    >>> mask_url("host=db user=dcf password='a b' dbname=gis")
    'host=db user=dcf password=*** dbname=gis'
    >>> mask_url("postgresql://dcf:p@ss@db/gis")
    'postgresql://dcf:***@db/gis'
    """
    out = _PASSWORD_IN_URL.sub(lambda m: m.group("head") + "***@", str(text))
    out = _PASSWORD_KEY.sub(lambda m: m.group("head") + ("***" if m.group("pw") else ""), out)
    for secret in sorted(_KNOWN_SECRETS, key=len, reverse=True):
        out = out.replace(secret, "***")
    return out


#: the same function under the name the security notes use
mask_secrets = mask_url
