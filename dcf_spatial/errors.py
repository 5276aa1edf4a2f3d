"""Exceptions raised by dcf_spatial. Every message names what was passed, what was
expected and how to fix it."""


class DcfError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(DcfError, ValueError):
    """A user file or value cannot be used as given (names the file/row/field and the fix).

    Also a :class:`ValueError`, so code that calls the library can catch it as one.
    """


class StoreChangedError(InputError):
    """A layer of the store (or its register) changed while a check was using it, so the check was not
    recorded: check again. Raised marked as about the store (``exc.argument == "store"``); the desk
    answers it with 409 (a conflict with the store's current version), other store errors with 400."""


class CRSMismatchError(DcfError):
    """Two layers in one query are in different CRSs."""


class LayerNotFoundError(DcfError, LookupError):
    """A layer id is not in the store (also a :class:`LookupError`, as a missing key is)."""


class SchemaError(DcfError):
    """A layer or table lacks required fields or has wrong types."""


class StoreError(DcfError):
    """The layer store cannot be read or written: damaged, read-only, or left half-written.

    The message names the store and the way out (``dcf layers doctor``, ``dcf layers restore``,
    a writable copy).
    """


class StoreReplacedError(StoreError):
    """The main file of a running desk's WAL-mode store was replaced under it (``cp`` of another file over it,
    breaker F9/N4): the desk records nothing more into its log (the server's state, not the request's: 503)."""


class LayerUnreadableError(StoreError):
    """A layer's table is in the store but cannot be read as a layer (its geometry column renamed or dropped
    outside dcf): ``layer_id`` and ``cause_zh`` say which and why (store/layer_health.py)."""

    def __init__(self, message: str, *, layer_id: str = "", cause_zh: str = ""):
        super().__init__(message)
        self.layer_id, self.cause_zh = layer_id, cause_zh


def about(argument: str, exc: Exception) -> Exception:
    """``exc`` marked as being about the Python argument ``argument`` (returned, for ``raise about(...)``).

    The message itself names no command-line option; ``exc.argument`` (``"overwrite"``, ``"field_map"``,
    ``"date"`` …) lets the CLI name the option that gave the value (``--overwrite``, ``--field``, ``--date``).
    """
    exc.argument = argument
    return exc


def clip(text, n: int = 40) -> str:
    """``text`` cut to ``n`` characters with “…”: a message quotes what was typed, never a pasted page.

    Examples
    --------
    >>> clip("郑家镇" * 20, 6)
    '郑家镇郑家镇…'
    """
    s = str(text)
    return s if len(s) <= n else s[:n] + "…"


def full_stop(text: str) -> str:
    """``text`` ending with one full stop (。), for another sentence to follow it: notes joined into one
    paragraph each end with 。 exactly once.

    Examples
    --------
    >>> full_stop("多点：服务业特色小镇") + "注意：……"
    '多点：服务业特色小镇。注意：……'
    >>> full_stop("已核查。")
    '已核查。'
    """
    text = str(text).rstrip()
    return text if not text or text.endswith(("。", "！", "？")) else text + "。"
