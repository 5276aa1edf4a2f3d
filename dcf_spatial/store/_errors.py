"""Library errors that name the Python argument at fault, so that the CLI can name its option.

The message itself mentions no command-line option; ``exc.argument`` (``"overwrite"``,
``"field_map"``, ``"line_ids"`` …) lets :mod:`dcf_spatial.cli.layers` add ``--overwrite``,
``--field`` or ``--line`` in front of it.
"""

from __future__ import annotations


def about(argument: str, exc: Exception) -> Exception:
    """``exc`` marked as being about the argument ``argument`` (returned, for ``raise about(...)``)."""
    exc.argument = argument
    return exc
