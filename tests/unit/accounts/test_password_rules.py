"""Password rules: at least 12 characters, not on the shipped list of common passwords,
no composition rules."""

from __future__ import annotations

from server.accounts.passwords import COMMON_PASSWORDS, is_common, password_problem


def test_the_shipped_list_is_there_and_large():
    lines = [
        line
        for line in COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert len(lines) >= 10_000
    assert "password" in lines


def test_common_passwords_of_twelve_or_more_characters_are_refused_whatever_their_case():
    for password in ("123qweasdzxc", "1QAZ2WSX3EDC", "Q1w2E3r4T5y6", " 123qweasdzxc "):
        assert is_common(password), password
        problem = password_problem(password)
        assert problem and "common" in problem


def test_short_passwords_are_refused_for_their_length_first():
    assert "12" in password_problem("password")
    assert "12" in password_problem("abcdefghijk")


def test_no_composition_rules_a_long_uncommon_passphrase_is_fine():
    assert password_problem("correct horse battery staple") is None
    assert password_problem("всё лучшее детям") is None  # 16 characters, no digits or capitals
    assert password_problem("a" * 1025) is not None
