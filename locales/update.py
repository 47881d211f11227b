"""Extract every message from Python and Jinja and merge it into the five catalogues.

English is the source language: its catalogue repeats each message, so that every
catalogue is complete and a missing translation anywhere is a failing test.
Run with `make messages`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
LANGUAGES = ("en", "ro", "ru", "sq", "sr")
PYBABEL = Path(sys.executable).with_name("pybabel")


def extract(template: Path) -> None:
    """Every message of the Python code and the Jinja templates, into `template`."""
    subprocess.run(  # noqa: S603 - our own pybabel, fixed arguments
        [
            str(PYBABEL),
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "lazy_gettext",
            "-k",
            "_l",
            "-k",
            "N_",
            "--no-location",
            "--sort-output",
            "--project",
            "Alongside",
            "--omit-header",
            "-o",
            str(template),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )


def main() -> None:
    template = LOCALES / "messages.pot"
    extract(template)
    for language in LANGUAGES:
        po = LOCALES / language / "LC_MESSAGES" / "messages.po"
        command = "update" if po.exists() else "init"
        args = [str(PYBABEL), command, "-i", str(template), "-d", str(LOCALES), "-l", language]
        if command == "update":
            args += ["--no-fuzzy-matching", "--ignore-obsolete", "--omit-header"]
        subprocess.run(args, check=True, capture_output=True)  # noqa: S603
    fill_english(LOCALES / "en" / "LC_MESSAGES" / "messages.po")
    for language in LANGUAGES:
        po = LOCALES / language / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        missing = [m.id for m in catalog if m.id and (not all(_forms(m.string)) or m.fuzzy)]
        total = sum(1 for m in catalog if m.id)
        print(f"{language}: {total} messages, {len(missing)} to translate")


def _forms(string: str | tuple) -> tuple:
    return string if isinstance(string, tuple) else (string,)


def fill_english(path: Path) -> None:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, (tuple, list)):
            if not all(message.string):
                message.string = tuple(message.id)
        elif not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, sort_output=True, width=100)


if __name__ == "__main__":
    main()
