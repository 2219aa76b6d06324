"""Command line: `python -m core <command> ...`, the same code path as the dashboard.

Each module of `core/cli/` adds its commands through `register(commands, train_models)`:
`commands` are the top-level subparsers, `train_models` the subparsers of
`train` (reader, classifier). `evaluate` is defined here because it serves
both models: it loads the checkpoint and hands it to the module of its kind.
Bad input ends with exit status 2 and one `error: ...` line on stderr.
"""
from __future__ import annotations

import argparse
import sys

from core.cli import adapt, classifier, data, reader, score, sweep
from core.data.corpus import is_unipen_source
from core.errors import InputError
from core.evaluation.sources import is_other_data, own_test_contributors
from core.models.checkpoint import load_checkpoint
from core.models.inference import DECODERS

COMMAND_MODULES = (data, reader, classifier, sweep, adapt)
EVALUATORS = {"reader": reader.evaluate_command, "classifier": classifier.evaluate_command}


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake prints one `error:` line, like every other bad input."""

    def error(self, message):  # noqa: D401 - argparse hook
        self.exit(2, f"error: {self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m core", description="Online handwriting lab: data, training, evaluation.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    train = commands.add_parser("train", help="train a word reader or a character classifier")
    train_models = train.add_subparsers(dest="model", required=True, parser_class=_Parser)

    ev = commands.add_parser("evaluate", help="evaluate a checkpoint (reader or classifier)")
    ev.add_argument("checkpoint", help="a .pt file or a folder holding best.pt or model.pt")
    ev.add_argument("--data", default=None,
                    help="seed | synthetic | unipen[:PATH] | unipen-train | npy:DIR (default: what the model was trained "
                         "on; PATH: a UNIPEN folder or a .tar.xz/.tar.gz/.zip of one), or ink:DIR: every labelled "
                         "Ink JSON file of a folder; a UNIPEN folder the model did not train on is scored whole")
    ev.add_argument("--decoder", choices=DECODERS, default="greedy")
    ev.add_argument("--beam-width", type=int, default=10)
    ev.add_argument("--lexicon", default=None, help="a text file with one word per line")
    ev.add_argument("--seed", type=int, default=None, help="seed of the evaluation data (default: the run's)")
    ev.add_argument("--split", choices=("test", "all"), default="test",
                    help="on the model's own training folder: its test split (default) or every sample")
    ev.add_argument("--category", default=None, metavar="C1,C2",
                    help="UNIPEN categories to score (default: 6 and 8 for readers, 1a-1d for classifiers)")
    ev.add_argument("--contributors", default=None, metavar="A,B", help="score only these UNIPEN contributors")
    ev.add_argument("--out", default=None, help="also write the full result as JSON to this file")
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.set_defaults(func=_evaluate)

    for module in COMMAND_MODULES:
        module.register(commands, train_models)
    return parser


def _evaluate(args) -> int:
    ckpt = load_checkpoint(args.checkpoint)
    if is_other_data(args.data, ckpt, args.split):
        return score.score_command(ckpt, args)
    if own_test_contributors(ckpt) and (args.data is None or is_unipen_source(args.data)):
        return score.score_command(ckpt, score.own_test_split(ckpt, args))
    return EVALUATORS[ckpt["kind"]](ckpt, args)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
