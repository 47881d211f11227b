"""Risk instruments for tests: the v2 fixture, added to the server's library for a while."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from server.risk.instrument import Instrument, library, load_instrument

V2_FIXTURE = Path(__file__).resolve().parents[1] / "unit" / "risk" / "instruments" / "v2.json"


@contextmanager
def instrument_added(path: Path = V2_FIXTURE) -> Iterator[Instrument]:
    """The instrument in `path` is known (and the current one if its version is highest)."""
    instrument = load_instrument(path)
    library().add(instrument)
    try:
        yield instrument
    finally:
        library().remove(instrument.version)
