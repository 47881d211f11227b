"""Bar charts drawn on the server as SVG: the geometry here, the markup in
`web/templates/indicators/_chart.html`. Suppressed cells get no bar (a bar's length would
give the number away), only their `<5` or `x`."""

from __future__ import annotations

from server.core.i18n import format_number
from server.entries.categories import ChoiceList

CHART_WIDTH = 320
LABEL_WIDTH = 0  # labels sit above their bars, so bars can use the phone's whole width
BAR_MAX = 260
ROW_HEIGHT = 38


def bar_rows(
    shown: dict[str, str | int], choices: ChoiceList, keep_zero: bool = False
) -> list[dict]:
    """One row per category with a figure to show (zeros only when `keep_zero`), in the
    list's order, each with its bar length (None for suppressed cells) and y position."""
    numbers = [value for value in shown.values() if isinstance(value, int)]
    largest = max(numbers, default=0)
    rows = []
    for code, value in shown.items():
        if value == 0 and not keep_zero:
            continue
        length = None
        if isinstance(value, int):
            length = round(BAR_MAX * value / largest) if largest else 0
        top = len(rows) * ROW_HEIGHT
        rows.append(
            {
                "code": code,
                "label": choices.label(code),
                "value": format_number(value) if isinstance(value, int) else value,
                "length": length,
                "label_y": top + 13,
                "bar_y": top + 18,
                "value_x": (length or 0) + 4,
                "value_y": top + 30,
            }
        )
    return rows


def chart_height(rows: list[dict]) -> int:
    return max(len(rows), 1) * ROW_HEIGHT
