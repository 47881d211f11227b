"""Small-cell suppression: counts 1–4 are `<5`, and in a breakdown that adds up to a shown
total enough further cells are hidden that no small count can be worked out."""

from __future__ import annotations

import itertools

from server.indicators.suppression import HIDDEN, SMALL, suppress


def test_counts_from_1_to_4_are_written_small_and_0_stays_0():
    shown = suppress({"a": 0, "b": 1, "c": 4, "d": 5, "e": 120}, additive=False)
    assert shown == {"a": 0, "b": SMALL, "c": SMALL, "d": 5, "e": 120}


def test_nothing_small_nothing_hidden():
    assert suppress({"female": 12, "male": 7, "other": 0}, additive=True) == {
        "female": 12,
        "male": 7,
        "other": 0,
    }


def test_one_small_cell_hides_the_next_smallest_too():
    shown = suppress({"female": 30, "male": 9, "other": 2, "not_disclosed": 0}, additive=True)
    assert shown == {"female": 30, "male": HIDDEN, "other": SMALL, "not_disclosed": 0}


def test_when_no_choice_protects_the_cell_the_whole_breakdown_is_hidden():
    # Total 6 = 5 + 1: hiding the 5 leaves "x ≥ 5 and <5 ≥ 1", which pins both down.
    assert suppress({"female": 5, "male": 1, "other": 0}, additive=True) == {
        "female": HIDDEN,
        "male": HIDDEN,
        "other": 0,
    }


def test_two_small_cells_that_add_to_2_or_8_are_pinned_down_and_get_company():
    # 1 + 1 = 2 says both are 1: the 20 is hidden too, so the pair could be anything.
    assert suppress({"a": 1, "b": 1, "c": 20}, additive=True) == {
        "a": SMALL,
        "b": SMALL,
        "c": HIDDEN,
    }
    shown = suppress({"a": 4, "b": 4, "c": 20, "d": 30}, additive=True)
    assert shown["a"] == SMALL and shown["b"] == SMALL and shown["c"] == HIDDEN
    assert shown["d"] == 30


def _possible(shown: dict, total: int, cell: str) -> set[int]:
    """Every value `cell` could have, given what is shown (brute force over the hidden)."""
    hidden = [key for key, value in shown.items() if value in (SMALL, HIDDEN)]
    visible = sum(value for value in shown.values() if isinstance(value, int))
    ranges = [range(1, 5) if shown[key] == SMALL else range(5, total + 1) for key in hidden]
    values = set()
    for combination in itertools.product(*ranges):
        if sum(combination) == total - visible:
            values.add(combination[hidden.index(cell)])
    return values


def test_no_small_count_can_be_worked_out_from_the_total():
    # Every breakdown of three cells with these counts (one test: a thousand cases).
    for a, b, c in itertools.product([0, 1, 2, 3, 4, 5, 6, 7, 9, 12], repeat=3):
        counts = {"a": a, "b": b, "c": c}
        shown = suppress(counts, additive=True)
        total = sum(counts.values())
        for key, value in shown.items():
            if value == SMALL:
                assert len(_possible(shown, total, key)) >= 2, (counts, shown)
            if 0 < counts[key] < 5:
                assert value in (SMALL, HIDDEN), (counts, shown)
