"""Short sentences to write on one line: the Collect page's prompts for a line reader.

A line reader (reader-text) learns a hand from whole lines: capitals,
spaces between words, punctuation, now and then a digit. The sentences are
15 to 45 characters long, the length the Draw page reads in one line, and
together they use every lowercase letter many times (the pangrams each use
all 26) and the capitals, digits and marks people write most.
"""
from __future__ import annotations

import random
from typing import Iterable

from core.errors import InputError

# Pangrams first: each holds every letter a-z once or more.
PANGRAMS = (
    "The quick brown fox jumps over the lazy dog.",
    "Pack my box with five dozen liquor jugs.",
    "How vexingly quick daft zebras jump!",
    "Sphinx of black quartz, judge my vow.",
    "The five boxing wizards jump quickly.",
    "Jackdaws love my big sphinx of quartz.",
    "Quick zephyrs blow, vexing daft Jim.",
    "Waltz, bad nymph, for quick jigs vex.",
)

SENTENCES = PANGRAMS + (
    "A cup of tea would be nice.",
    "Bring your own pen to the meeting.",
    "Call me back after lunch, please.",
    "Did you see the moon last night?",
    "Each page has two columns of text.",
    "Fresh bread is on the kitchen table.",
    "Give the plants some water today.",
    "Her train leaves at 7:45 tomorrow.",
    "I left my keys in the blue jacket.",
    "Just write a few lines by hand.",
    "Keep the receipt for a month.",
    "Let us meet at the old bridge.",
    "My sister lives in a small town.",
    "Nobody knew where the map had gone.",
    "Open the window, it is warm inside.",
    "Please sign and date the form.",
    "Quiet rooms are good for reading.",
    "Rain is expected in the afternoon.",
    "She bought 12 eggs and some milk.",
    "The bus was late again this morning.",
    "Turn left at the second corner.",
    "Use a pencil if the ink runs out.",
    "We walked along the river for hours.",
    "You can borrow my bike on Sunday.",
    "The meeting moved to room 204.",
    "Is this the road to the station?",
    "Thank you for the lovely flowers!",
    "He reads a chapter every evening.",
    "Our garden needs a lot of work.",
    "The shop opens at 9 on weekdays.",
    "Write your name at the top, please.",
    "It was a cold and windy day.",
    "Add salt, pepper and a little oil.",
    "The kids played football all day.",
    "Where did you park the car?",
    "Two coffees and one orange juice.",
    "The letter arrived on Friday.",
    "Some birds fly south in winter.",
    "Check the spelling before you send it.",
    "Lunch is ready in ten minutes.",
    "An apple a day keeps me going.",
    "The cat sleeps on the warm chair.",
    "Dear Sam, thanks for your note.",
    "We need 3 more chairs for dinner.",
    "Take the first train to London.",
    "Never judge a book by its cover.",
)


def sentences_of(letters: Iterable[str]) -> list[str]:
    """The sentences a reader of `letters` can be taught: every character of each is one of them."""
    known = set(letters)
    return [s for s in SENTENCES if set(s) <= known]


def sentence_prompt(letters: Iterable[str], rng: random.Random, avoid: Iterable[str] = ()) -> str:
    """A sentence to write, of the reader's characters; those in `avoid` (already written) are left out while
    others remain."""
    pool = sentences_of(letters)
    if not pool:
        raise InputError("no prompt sentence uses only the characters this reader reads",
                         "a line reader (reader-text) reads them all; or type a text of your own")
    avoided = set(avoid)
    return rng.choice([s for s in pool if s not in avoided] or pool)
