"""Every catalogue is complete, well-formed and in step with the strings in the code."""

from __future__ import annotations

import re
import sys
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from locales.update import extract
from server.core.paths import LOCALES_DIR

LANGUAGES = ("en", "ro", "ru", "sq", "sr")
PYBABEL = Path(sys.executable).with_name("pybabel")
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def catalogue_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"


@cache
def catalogue(language: str) -> Catalog:
    with catalogue_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def messages(language: str) -> list[Message]:
    return [message for message in catalogue(language) if message.id]


def forms(value: str | tuple | list) -> list[str]:
    return list(value) if isinstance(value, (tuple, list)) else [value]


def key(message: Message) -> tuple:
    return (message.context, *forms(message.id))


def describe(message: Message) -> str:
    return repr(forms(message.id)[0])


@cache
def extracted(tmp_dir: Path) -> Catalog:
    # The very extraction `make messages` runs, so the two cannot disagree.
    template = tmp_dir / "messages.pot"
    extract(template)
    with template.open("rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def code_messages(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return extracted(tmp_path_factory.mktemp("pot"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_exists_and_is_not_empty(language: str):
    assert catalogue_path(language).is_file()
    assert len(messages(language)) > 10


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_not_fuzzy(language: str):
    untranslated = [
        describe(m) for m in messages(language) if not all(s.strip() for s in forms(m.string))
    ]
    fuzzy = [describe(m) for m in messages(language) if m.fuzzy]
    assert not untranslated, f"{language}: messages without a translation: {untranslated}"
    assert not fuzzy, f"{language}: fuzzy messages (check and clear the flag): {fuzzy}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_are_kept(language: str):
    problems = []
    for message in messages(language):
        wanted = {name for text in forms(message.id) for name in PLACEHOLDER.findall(text)}
        given = [set(PLACEHOLDER.findall(text)) for text in forms(message.string)]
        used = set().union(*given) if given else set()
        # A plural form may leave out the count ("one case"); the forms together may not.
        missing = wanted - used
        unknown = used - wanted  # a KeyError at run time
        if missing or unknown:
            problems.append(
                f"{describe(message)}: missing {missing or '{}'}, unknown {unknown or '{}'}"
            )
        if wanted and "python-format" not in message.flags:
            problems.append(f"{describe(message)}: has placeholders but no python-format flag")
    assert not problems, f"{language}: " + "; ".join(problems)


def test_the_parser_of_placeholders():
    assert PLACEHOLDER.findall("Hello, %(name)s, %(n)d cases, %(pct).1f%%") == ["name", "n", "pct"]
    assert PLACEHOLDER.findall("100% sure") == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_matches_the_strings_in_the_code(language: str, code_messages: Catalog):
    in_code = {key(m): describe(m) for m in code_messages if m.id}
    in_catalogue = {key(m): describe(m) for m in messages(language)}
    assert in_code, "pybabel extracted nothing: check babel.cfg"
    missing = sorted(in_code[k] for k in in_code.keys() - in_catalogue.keys())
    stale = sorted(in_catalogue[k] for k in in_catalogue.keys() - in_code.keys())
    assert not missing and not stale, (
        f"locales/{language}/LC_MESSAGES/messages.po is out of step with the code: "
        f"run `make messages` and translate what it reports. "
        f"{len(missing)} in the code but not the catalogue: {missing[:10]}; "
        f"{len(stale)} in the catalogue but not the code: {stale[:10]}"
    )
