"""Named points where a test can end the process as a kill would (``os._exit``: no ``finally``, no
cleanup), to check what a killed run leaves behind: ``DCF_TEST_FAIL_AFTER=<point>``; or where a run
stops and waits forever, to check what stopping the program in the middle of it does:
``DCF_TEST_HOLD_AT=<point>``.

Points: ``import:copied`` (an import's working copy of the store is written), ``push:<n>`` (n layers
of a push written into the target's pending change), ``rederive:<n>`` (n layers redrawn),
``outputs:<n>`` (n files of an output set written). Unset — always, outside tests — a point does
nothing.
"""

from __future__ import annotations

import os

#: the exit status of a process ended at a kill point
EXIT_STATUS = 70


def kill_point(name: str) -> None:
    """End the process now if ``DCF_TEST_FAIL_AFTER`` names this point; wait forever if ``DCF_TEST_HOLD_AT`` does.

    Examples
    --------
    >>> kill_point("outputs:1")  # nothing happens unless DCF_TEST_FAIL_AFTER=outputs:1
    """
    if os.environ.get("DCF_TEST_FAIL_AFTER") == name:
        os._exit(EXIT_STATUS)
    if os.environ.get("DCF_TEST_HOLD_AT") == name:   # a write that never ends (the desk stopped meanwhile)
        import threading

        threading.Event().wait()
