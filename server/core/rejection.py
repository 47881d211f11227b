"""A refusal with a stable code for programs and a message for people."""

from __future__ import annotations


class Rejection(ValueError):
    """Raised where an entry or an envelope cannot be accepted; sync answers it as `rejected`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
