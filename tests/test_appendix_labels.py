"""Label placement on the print maps does not depend on how fast or busy the machine is."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import adjustText  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from dcf_spatial.maps import print_labels  # noqa: E402


def _placed(monkeypatch, seconds_per_tick):
    clock = itertools.count(step=seconds_per_tick)
    monkeypatch.setattr(adjustText, "timer", lambda: next(clock))  # a machine this slow (or busy)
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    texts = [ax.text(5, 5, f"功能园区{i}", ha="center", va="center") for i in range(6)]  # all on one spot
    print_labels._spread(ax, texts, [], arrows=False)
    out = [t.get_position() for t in texts]
    plt.close(fig)
    return out


def test_labels_land_in_the_same_place_on_a_slow_machine(monkeypatch):
    fast = _placed(monkeypatch, 1e-6)
    slow = _placed(monkeypatch, 0.6)  # each clock reading 0.6 s later: a 1-second budget would stop at once
    assert slow == fast
    assert len(set(fast)) == len(fast)  # and the labels were actually pushed apart
