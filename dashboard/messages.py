"""How a page shows bad input: one `st.error` with what is wrong and, below it, how to fix it."""
from __future__ import annotations

import streamlit as st

from core.errors import InputError


def show_input_error(exc: InputError, prefix: str = "") -> None:
    """The message of an InputError as a red box, its hint (if any) on a second line of the same box."""
    text = prefix + exc.message
    if exc.hint:
        text += f"  \nHint: {exc.hint}"
    st.error(text, icon=":material/error:")
