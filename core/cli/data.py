"""`render`: write a synthetic word as Ink JSON."""
from __future__ import annotations

from core.ink.io import write_ink_json
from core.synth.generator import AUGMENT_PARAMS, Augment, default_augment, render_word


def register(commands, train_models) -> None:
    p = commands.add_parser("render", help="render a synthetic word as Ink JSON")
    p.add_argument("word")
    p.add_argument("--style", choices=("seed", "natural"), default="natural")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="the Ink JSON file to write")
    for name, (lo, hi, _default, _step, text) in AUGMENT_PARAMS.items():
        p.add_argument(f"--{name}", type=float, default=None, help=f"{text} [{lo}..{hi}]")
    p.set_defaults(func=_render)


def augment_from_args(args, style: str) -> Augment:
    """The style's default augmentation with any --<param> given on the command line."""
    base = default_augment(style).to_dict()
    given = {k: getattr(args, k) for k in AUGMENT_PARAMS if getattr(args, k, None) is not None}
    return Augment.from_dict({**base, **given})


def _render(args) -> int:
    r = render_word(args.word, args.style, args.seed, augment_from_args(args, args.style))
    write_ink_json(args.out, r.ink, args.word)
    n = sum(len(s) for s in r.ink)
    print(f"wrote {args.out}: '{args.word}', {len(r.ink)} strokes, {n} points")
    return 0
