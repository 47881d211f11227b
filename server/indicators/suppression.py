"""Small-cell suppression: no published figure may let anyone work out a count from 1 to 4.

* Primary: every count from 1 to 4 is written `<5`. Zero is written 0: it says that nobody
  is in a group, which is what the figures are for, and hiding zeros as well would hide
  most of a small team's table.
* Secondary (complementary): in a breakdown whose cells add up to a total that is shown
  (sex, age band, citizenship, identification: each person is in exactly one cell), a
  single `<5` could be worked out as the total minus the other cells. So more cells are
  hidden, smallest first, written `x`, until no hidden small cell can be pinned down:
  knowing that every `<5` is 1–4 and every `x` at least 5, each `<5` must still have at
  least two possible values. When no choice of cells achieves that (a tiny total), the
  breakdown cannot be shown and every cell is `x`.
* Forms of exploitation are not additive (a person may have several), so only primary
  suppression applies there.

What this does not stop (documented in the README): comparing two overlapping requests
(a period and the same period plus one day, or a team and all teams) can still narrow a
small number down. The page and export are for supervisors and admins, who can read the
cases anyway; the suppression keeps exports that travel (to IOM, to a ministry) safe.
"""

from __future__ import annotations

SMALL = "<5"
HIDDEN = "x"
THRESHOLD = 5


def primary(value: int) -> str | int:
    return SMALL if 0 < value < THRESHOLD else value


def _ambiguous(hidden_sum: int, small: int, extra: int) -> bool:
    """Can each small hidden cell still take two values, given the hidden cells' sum?"""
    if small == 0:
        return True
    if extra == 0:
        if small == 1:
            return False
        low = max(1, hidden_sum - (THRESHOLD - 1) * (small - 1))
        high = min(THRESHOLD - 1, hidden_sum - (small - 1))
        return high > low
    high = min(THRESHOLD - 1, hidden_sum - THRESHOLD * extra - (small - 1))
    return high >= 2


def suppress(counts: dict[str, int], additive: bool) -> dict[str, str | int]:
    """The published value of each cell (see the module's docstring)."""
    shown: dict[str, str | int] = {key: primary(value) for key, value in counts.items()}
    if not additive:
        return shown
    small = [key for key, value in counts.items() if 0 < value < THRESHOLD]
    if not small:
        return shown
    extra: list[str] = []
    hidden_sum = sum(counts[key] for key in small)
    candidates = sorted(
        (key for key, value in counts.items() if value >= THRESHOLD), key=lambda k: counts[k]
    )
    while not _ambiguous(hidden_sum, len(small), len(extra)):
        if not candidates:
            return {key: (HIDDEN if value else 0) for key, value in counts.items()}
        key = candidates.pop(0)
        extra.append(key)
        hidden_sum += counts[key]
        shown[key] = HIDDEN
    return shown
