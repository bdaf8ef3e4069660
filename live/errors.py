"""The app's own exceptions, in a module that imports neither redis nor Starlette, so
that every layer can raise and catch them without reaching into another layer."""

from __future__ import annotations


class RuleError(Exception):
    """A command that breaks the rules; `code` is the machine-readable reason."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class ValidationError(Exception):
    """Input for a new event that cannot be accepted; `field` says which part."""

    def __init__(self, code: str, field: str):
        super().__init__(f"{field}: {code}")
        self.code = code
        self.field = field


class StoreUnavailable(Exception):
    """Redis did not answer; nothing can be promised to the client."""


class ProtocolError(Exception):
    """A client frame that cannot be read as a command; `message_id` echoes its id when known."""

    def __init__(self, code: str, message_id: object = None):
        super().__init__(code)
        self.code = code
        self.message_id = message_id
