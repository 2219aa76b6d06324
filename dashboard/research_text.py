"""The Research page's answers, written from the shipped sweep results (see README, Research)."""
ANSWERS = {
    "bidirectional": "",
    "hidden": "",
    "seeds": "",
    "compositional": "",
    "timing": "",
}
