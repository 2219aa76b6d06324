"""The one exception type for bad input.

Anything a user can get wrong (a file, a drawing, an option) raises
`InputError` with a message that says what is wrong and, where it helps,
how to fix it. The command line turns it into `error: ...` and exit 2;
pages turn it into `st.error`. Any other exception is a bug.
"""


class InputError(ValueError):
    """Bad input from a user: a file, a drawing, a name or an option."""

    def __init__(self, message: str, hint: str | None = None):
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} ({hint})")
