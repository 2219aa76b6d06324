"""Stroke templates: seed 001's ten glyphs and natural a-z letters with allographs.

A template is a list of strokes; a stroke is a list of pieces joined pen
down. Two primitives make every piece:

* ``arc(cx, cy, rx, ry, a0, a1)``: an ellipse arc from angle a0 to a1
  (degrees; increasing is anticlockwise, y up);
* ``line(p, q)``: a straight segment from p to q.

Seed glyphs give each piece a fixed point count, exactly as seed 001 did,
and the points where pieces join repeat. Natural glyphs are sampled by
arc length (`NATURAL_DENSITY` points per unit) so that every letter has
about the same ink density. Natural letters sit on a baseline at y=0 with
x-height 0.5, ascenders to 1.0 and descenders to -0.4, and are written in
the order and direction people use: stems top to bottom, round letters
anticlockwise from the top right, dots and crossbars last.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

NATURAL_DENSITY = 25.0  # points per unit length (x-height is 0.5)


def arc_points(cx, cy, rx, ry, a0, a1, n) -> np.ndarray:
    t = np.radians(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def line_points(p, q, n) -> np.ndarray:
    t = np.linspace(0.0, 1.0, n)[:, None]
    return (1 - t) * np.asarray(p, float) + t * np.asarray(q, float)


def arc(cx, cy, rx, ry, a0, a1, n=None):
    return ("arc", (cx, cy, rx, ry, a0, a1), n)


def line(p, q, n=None):
    return ("line", (p, q), n)


def _piece_length(piece) -> float:
    kind, args, _ = piece
    if kind == "line":
        p, q = args
        return float(np.hypot(q[0] - p[0], q[1] - p[1]))
    pts = arc_points(*args, 64)
    return float(np.hypot(*np.diff(pts, axis=0).T).sum())


def _piece_points(piece, density: float) -> np.ndarray:
    kind, args, n = piece
    if n is None:
        n = max(2, int(round(_piece_length(piece) * density)) + 1)
    return arc_points(*args, n) if kind == "arc" else line_points(*args, n)


def build(strokes, density: float = NATURAL_DENSITY) -> list[np.ndarray]:
    """Sample a template into strokes of points (pieces of a stroke joined, join points kept)."""
    return [np.concatenate([_piece_points(p, density) for p in stroke]) for stroke in strokes]


# Seed 001's glyphs in a unit box, with its point counts (DESIGN.md's table).
SEED_GLYPHS = {
    "c": [[arc(.5, .5, .42, .42, 35, 325, 12)]],
    "o": [[arc(.5, .5, .42, .45, 0, 360, 14)]],
    "l": [[line((.5, 1), (.5, 0), 8)]],
    "i": [[line((.5, .6), (.5, 0), 8)], [line((.5, .92), (.5, .85), 3)]],
    "t": [[line((.5, .95), (.5, 0), 8)], [line((.25, .65), (.75, .65), 4)]],
    "n": [[line((.15, 0), (.15, .6), 4), arc(.5, .6, .35, .30, 180, 0, 12), line((.85, .6), (.85, 0), 4)]],
    "m": [[line((.1, 0), (.1, .6), 4), arc(.3, .6, .2, .28, 180, 0, 12), line((.5, .6), (.5, 0), 3),
           line((.5, 0), (.5, .6), 3), arc(.7, .6, .2, .28, 180, 0, 12), line((.9, .6), (.9, 0), 4)]],
    "a": [[arc(.4, .3, .3, .3, 0, 360, 14)], [line((.7, .6), (.7, 0), 8)]],
    "e": [[line((.1, .5), (.9, .5), 5), arc(.5, .5, .40, .42, 0, 330, 12)]],
    "u": [[line((.15, 1), (.15, .3), 4), arc(.5, .3, .35, .22, 180, 360, 12), line((.85, .3), (.85, 1), 4)]],
}
SEED_WIDTH = 1.1  # seed 001's letter width; its advance is width + gap

# Reusable natural parts (x-height 0.5).
_BOWL = arc(.25, .25, .2, .25, 40, 400)          # a/d/g/q bowl, anticlockwise from top right
_DOT = lambda x: [line((x, .72), (x, .67))]      # noqa: E731 - an i/j dot, drawn downwards
_ARCH = lambda x0, x1: arc((x0 + x1) / 2, .33, (x1 - x0) / 2, .17, 180, 0)  # noqa: E731

NATURAL_GLYPHS: dict[str, list[list[list]]] = {
    "a": [
        [[_BOWL, line((.45, .5), (.45, 0))]],                         # single storey, one stroke
        [[_BOWL], [line((.45, .5), (.45, 0))]],                       # bowl, then a separate stem
        [[arc(.25, .4, .17, .1, 150, -20), line((.42, .37), (.42, 0)),  # double storey
          line((.42, .0), (.42, .25)), arc(.27, .13, .15, .13, 60, 330)]],
    ],
    "b": [[[line((.1, 1), (.1, 0)), arc(.3, .25, .2, .25, 180, -180)]],
          [[line((.1, 1), (.1, 0))], [arc(.3, .25, .2, .25, 150, -190)]]],
    "c": [[[arc(.25, .25, .22, .25, 40, 320)]]],
    "d": [[[_BOWL, line((.45, .5), (.45, 1)), line((.45, 1), (.45, 0))]],
          [[_BOWL], [line((.45, 1), (.45, 0))]]],
    "e": [[[line((.05, .25), (.45, .27)), arc(.25, .25, .2, .25, 10, 320)]],    # bar first, print
          [[line((.02, .18), (.38, .36)), arc(.24, .3, .15, .2, 25, 330)]]],   # cursive loop
    "f": [[[arc(.38, .85, .15, .15, 20, 180), line((.23, .85), (.23, 0))], [line((.05, .5), (.42, .5))]],
          [[arc(.38, .85, .15, .15, 20, 180), line((.23, .85), (.23, -.35))], [line((.05, .5), (.42, .5))]]],
    "g": [[[_BOWL, line((.45, .5), (.45, -.2)), arc(.28, -.2, .17, .18, 0, -170)]],
          [[_BOWL, line((.45, .5), (.45, -.38)), arc(.33, -.3, .12, .08, -90, -250),
            line((.23, -.26), (.45, -.1))]]],
    "h": [[[line((.1, 1), (.1, 0)), line((.1, 0), (.1, .33)), _ARCH(.1, .42), line((.42, .33), (.42, 0))]],
          [[line((.1, 1), (.1, 0))], [line((.1, .33), (.1, .33)), _ARCH(.1, .42), line((.42, .33), (.42, 0))]]],
    "i": [[[line((.15, .5), (.15, 0))], _DOT(.15)],
          [[line((.02, .32), (.15, .5)), line((.15, .5), (.15, 0)), line((.15, 0), (.27, .08))], _DOT(.15)]],
    "j": [[[line((.28, .5), (.28, -.25)), arc(.13, -.25, .15, .15, 0, -180)], _DOT(.28)]],
    "k": [[[line((.1, 1), (.1, 0))], [line((.4, .5), (.1, .2)), line((.1, .2), (.42, 0))]],
          [[line((.1, 1), (.1, 0)), line((.1, 0), (.1, .22)), line((.1, .22), (.4, .5)),
            line((.4, .5), (.13, .24)), line((.13, .24), (.42, 0))]]],
    "l": [[[line((.15, 1), (.15, 0))]],
          [[line((.02, .15), (.28, .88)), arc(.2, .88, .08, .12, 0, 180), line((.12, .88), (.12, 0)),
            line((.12, 0), (.26, .08))]]],
    "m": [[[line((.05, .5), (.05, 0)), line((.05, 0), (.05, .33)), _ARCH(.05, .31), line((.31, .33), (.31, 0)),
            line((.31, 0), (.31, .33)), _ARCH(.31, .57), line((.57, .33), (.57, 0))]]],
    "n": [[[line((.08, .5), (.08, 0)), line((.08, 0), (.08, .33)), _ARCH(.08, .4), line((.4, .33), (.4, 0))]],
          [[line((.08, .5), (.08, 0))], [_ARCH(.08, .4), line((.4, .33), (.4, 0))]]],
    "o": [[[arc(.25, .25, .22, .25, 90, 450)]],
          [[arc(.25, .25, .22, .25, 60, 430)]]],
    "p": [[[line((.1, .5), (.1, -.4)), line((.1, -.4), (.1, .25)), arc(.28, .25, .18, .25, 180, -180)]],
          [[line((.1, .5), (.1, -.4))], [arc(.28, .25, .18, .25, 160, -175)]]],
    "q": [[[_BOWL, line((.45, .5), (.45, -.4)), line((.45, -.4), (.55, -.3))]],
          [[_BOWL], [line((.45, .5), (.45, -.4))]]],
    "r": [[[line((.1, .5), (.1, 0)), line((.1, 0), (.1, .3)), arc(.25, .3, .15, .15, 180, 45)]],
          [[line((.1, .5), (.1, 0))], [arc(.26, .33, .16, .14, 170, 30)]]],
    "s": [[[arc(.22, .375, .17, .125, 30, 270), arc(.22, .125, .17, .125, 90, -150)]]],
    "t": [[[line((.2, .8), (.2, 0))], [line((.05, .5), (.38, .5))]],
          [[line((.2, .8), (.2, .1)), arc(.3, .1, .1, .1, 180, 300)], [line((.05, .5), (.38, .5))]]],
    "u": [[[line((.05, .5), (.05, .15)), arc(.2, .15, .15, .15, 180, 360), line((.35, .15), (.35, .5)),
            line((.35, .5), (.35, 0))]],
          [[line((.05, .5), (.05, .15)), arc(.2, .15, .15, .15, 180, 360), line((.35, .15), (.35, .5))],
           [line((.35, .5), (.35, 0))]]],
    "v": [[[line((.03, .5), (.22, 0)), line((.22, 0), (.41, .5))]],
          [[line((.03, .5), (.2, .05)), arc(.25, .08, .06, .08, 230, 360), line((.31, .08), (.41, .5))]]],
    "w": [[[line((0, .5), (.12, 0)), line((.12, 0), (.25, .35)), line((.25, .35), (.38, 0)),
            line((.38, 0), (.5, .5))]]],
    "x": [[[line((.05, .5), (.4, 0))], [line((.4, .5), (.05, 0))]]],
    "y": [[[line((.05, .5), (.22, .05))], [line((.4, .5), (.12, -.4))]],
          [[line((.05, .5), (.05, .15)), arc(.2, .15, .15, .15, 180, 360), line((.35, .15), (.35, .5)),
            line((.35, .5), (.35, -.25)), arc(.2, -.25, .15, .15, 0, -180)]]],
    "z": [[[line((.05, .5), (.4, .5)), line((.4, .5), (.05, 0)), line((.05, 0), (.42, 0))]],
          [[line((.05, .5), (.4, .5)), line((.4, .5), (.1, .02)), arc(.22, .02, .12, .05, 180, 360)]]],
}

STYLES = ("seed", "natural")


@lru_cache(maxsize=None)
def seed_glyph(ch: str) -> tuple[np.ndarray, ...]:
    """Seed 001's glyph as strokes of points (fixed point counts)."""
    return tuple(build(SEED_GLYPHS[ch]))


@lru_cache(maxsize=None)
def natural_glyph(ch: str, allograph: int = 0) -> tuple[np.ndarray, ...]:
    """A natural letter's allograph as strokes of points at the base density."""
    return tuple(build(NATURAL_GLYPHS[ch][allograph]))


def n_allographs(ch: str) -> int:
    return len(NATURAL_GLYPHS[ch])


def alphabet(style: str) -> str:
    """The letters a style has glyphs for, in template order (seed: seed 001's ten; natural: a-z)."""
    return "".join(SEED_GLYPHS if style == "seed" else NATURAL_GLYPHS)
