"""The error types a user can cause. Raised deep, printed once by the CLI as one line."""
from __future__ import annotations


class QuizgenError(Exception):
    """A mistake in what the user gave us: a bank, a flag, a roster, a file.

    Printed as ``file:line: field: message``; whichever parts are known.
    """

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field

    def __reduce__(self):
        # Rebuilt whole when a grading or generating process sends it back (Exception's default keeps args only).
        state = dict(self.__dict__)
        return _rebuild, (type(self), state)

    def located(self, *, file: str | None = None, line: int | None = None) -> "QuizgenError":
        """Fill in the location if the raiser did not know it."""
        self.file = self.file or file
        self.line = self.line or line
        return self

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


class InvalidConfiguration(QuizgenError):
    """A convolution that torch would reject; ``reason`` is a stable code, ``message`` says why."""

    def __init__(self, reason: str, message: str, **where):
        super().__init__(message, **where)
        self.reason = reason


class WorkerDied(QuizgenError):
    """A --jobs process died (killed, out of memory): the run stops and writes nothing."""

    exit_code = 75


class ReferenceMismatch(QuizgenError):
    """The formula and torch disagree: quizgen refuses to emit that key."""

    exit_code = 3


def _rebuild(cls, state: dict) -> QuizgenError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error
