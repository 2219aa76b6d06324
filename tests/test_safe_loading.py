"""Loading checkpoints from strangers: a pickle payload never runs, damaged and foreign files are refused
with one clear line, and no source file loads user data in an unsafe way (a static check)."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.cli.main import main
from core.data.alphabets import reader_alphabet
from core.errors import InputError
from core.ink.io import write_ink_json
from core.models.checkpoint import load_checkpoint, make_checkpoint
from core.models.classifier import CNNBiLSTM, load_classifier
from core.models.classifier import preset as classifier_preset
from core.models.inference import load_reader
from core.models.reader import build_reader
from core.models.reader import preset as reader_preset
from core.paths import REPO_ROOT as REPO
from core.synth.generator import render_letter, render_word


class Payload:
    """Pickles as the call `open(marker, "w")`: unpickling it creates the marker file."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def pickle_bearing(path: Path, marker: Path) -> Path:
    """A file that looks like a checkpoint of this tool but carries a payload in its config."""
    torch.save({"format_version": 1, "kind": "reader", "config": {"hidden": Payload(marker)}, "alphabet": [""],
                "state_dict": {}}, path)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """An (untrained) reader and classifier checkpoint of this tool, and ink files for them."""
    root = tmp_path_factory.mktemp("ckpt")
    rcfg = reader_preset("tiny")
    alphabet = reader_alphabet("coltinmaeu")
    make = {"reader": make_checkpoint("reader", rcfg.to_dict(), alphabet, build_reader(rcfg, alphabet).state_dict(),
                                      encoding=rcfg.encoding),
            "classifier": make_checkpoint("classifier", classifier_preset("tiny").to_dict(),
                                          [chr(97 + i) for i in range(26)],
                                          CNNBiLSTM(classifier_preset("tiny")).state_dict(), encoding="features18",
                                          norm={"mean": [0.0] * 18, "std": [1.0] * 18})}
    out = {}
    for kind, ckpt in make.items():
        out[kind] = root / f"{kind}.pt"
        torch.save(ckpt, out[kind])
    out["word"], out["letter"] = root / "word.json", root / "letter.json"
    write_ink_json(out["word"], render_word("tonic", "seed", 1).ink)
    write_ink_json(out["letter"], render_letter("k", seed=0).ink)
    return out


def one_error_line(code: int, err: str) -> str:
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in err, (code, err)
    return lines[0]


def cli_error(capsys, *args) -> str:
    """`python -m core ARGS` in this process; asserts exit 2 with one `error:` line and returns it."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code
    return one_error_line(code, capsys.readouterr().err)


# ---------------------------------------------------------------- a checkpoint carrying a pickle payload

def test_the_crafted_payload_is_real(tmp_path):
    """Without weights_only the file runs its payload: the tests below prove something."""
    marker = tmp_path / "ran"
    torch.load(pickle_bearing(tmp_path / "evil.pt", marker), weights_only=False)
    assert marker.exists()


def test_load_checkpoint_refuses_a_pickle_payload_and_never_runs_it(tmp_path):
    marker = tmp_path / "ran"
    (tmp_path / "run").mkdir()
    pickle_bearing(tmp_path / "run" / "best.pt", marker)
    for target in (tmp_path / "run" / "best.pt", tmp_path / "run"):  # a file, or a run folder holding it
        with pytest.raises(InputError, match="pickle") as err:
            load_checkpoint(target)
        assert "best.pt" in str(err.value)
    assert not marker.exists()


@pytest.mark.parametrize("command", ["decode", "classify", "evaluate"])
@pytest.mark.slow
def test_the_command_line_refuses_a_pickle_payload_with_one_line(tmp_path, files, command):
    marker = tmp_path / "ran"
    evil = pickle_bearing(tmp_path / "evil.pt", marker)
    ink = ["--ink", files["word"]] if command != "evaluate" else ["--json"]
    proc = subprocess.run([sys.executable, "-m", "core", command, str(evil), *map(str, ink)], cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=60)
    assert "pickle" in one_error_line(proc.returncode, proc.stderr)
    assert not marker.exists()


# ---------------------------------------------------------------- damaged and foreign files

def test_every_truncation_of_a_checkpoint_is_refused(tmp_path, files):
    data = files["reader"].read_bytes()
    cut = tmp_path / "cut.pt"
    for k in range(1, len(data), max(1, len(data) // 40)):
        cut.write_bytes(data[:k])
        with pytest.raises(InputError, match="cut.pt"):
            load_checkpoint(cut)


def _pickle_span(path: Path) -> tuple[int, int]:
    """Where torch.save's data.pkl (the dict's structure, not the tensor bytes) lies in the file."""
    with zipfile.ZipFile(path) as z:
        info = next(i for i in z.infolist() if i.filename.endswith("data.pkl"))
    start = info.header_offset + 30 + len(info.filename.encode())
    return start, start + info.compress_size + 64


@given(st.data())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_corrupted_checkpoints_load_or_are_refused_never_crash(tmp_path, files, data):
    """Bytes changed in the pickled structure: either still a checkpoint, or an InputError."""
    kind = data.draw(st.sampled_from(["reader", "classifier"]))
    raw = bytearray(files[kind].read_bytes())
    lo, hi = _pickle_span(files[kind])
    for _ in range(data.draw(st.integers(1, 8))):
        raw[data.draw(st.integers(lo, hi))] = data.draw(st.integers(0, 255))
    bad = tmp_path / f"corrupt-{kind}.pt"
    bad.write_bytes(bytes(raw))
    try:
        ckpt = load_checkpoint(bad)
        (load_reader if ckpt["kind"] == "reader" else load_classifier)(ckpt)
    except InputError:
        pass


def test_damaged_checkpoints_on_the_command_line_exit_2_with_one_line(tmp_path, files, capsys):
    data = files["classifier"].read_bytes()
    lo, _ = _pickle_span(files["classifier"])
    damaged = {"truncated.pt": data[: len(data) // 2], "empty.pt": b"",
               "zeroed.pt": data[:lo] + bytes(256) + data[lo + 256:], "text.pt": b'{"strokes": []}'}
    for name, content in damaged.items():
        (tmp_path / name).write_bytes(content)
        assert name in cli_error(capsys, "decode", tmp_path / name, "--ink", files["word"])
        assert name in cli_error(capsys, "classify", tmp_path / name, "--ink", files["letter"])


def test_foreign_checkpoints_on_the_command_line_exit_2_with_one_line(tmp_path, files, capsys):
    assert "is a classifier checkpoint, not a reader" in cli_error(capsys, "decode", files["classifier"], "--ink",
                                                                  files["word"])
    assert "is a reader checkpoint, not a classifier" in cli_error(capsys, "classify", files["reader"], "--ink",
                                                                  files["letter"])
    good = torch.load(files["reader"], weights_only=True)
    foreign = {"tensor.pt": torch.zeros(3), "other-tool.pt": {"model": good["state_dict"], "epoch": 3},
               "wrong-types.pt": {**good, "config": "hidden=8", "alphabet": 5},
               "future.pt": {**good, "format_version": 99}}
    with zipfile.ZipFile(tmp_path / "zip.pt", "w") as z:
        z.writestr("notes.txt", "not a checkpoint")
    for name, obj in foreign.items():
        torch.save(obj, tmp_path / name)
    for name in [*foreign, "zip.pt"]:
        line = cli_error(capsys, "decode", tmp_path / name, "--ink", files["word"])
        assert name in line and ("not a checkpoint of this tool" in line or "format version" in line), line
    assert "holds no checkpoint" in cli_error(capsys, "classify", tmp_path, "--ink", files["letter"])


# ---------------------------------------------------------------- the static check

SOURCE_DIRS = ("core", "dashboard", "pages")


def unsafe_calls(source: str) -> list[str]:
    """Calls that could run code from user data: eval/exec, pickle/marshal/shelve loads, yaml.load,
    numpy loads with allow_pickle other than False, torch.load without weights_only=True, shell=True."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = ast.unparse(node.func)
        kw = {k.arg: k.value for k in node.keywords}

        def const(key):
            return kw[key].value if isinstance(kw.get(key), ast.Constant) else "not a constant"

        if (name in ("eval", "exec", "builtins.eval", "builtins.exec", "yaml.load", "shelve.open")
                or name.split(".")[0] in ("pickle", "cPickle", "dill", "cloudpickle", "marshal", "joblib")
                and name.split(".")[-1] in ("load", "loads", "Unpickler")
                or "allow_pickle" in kw and const("allow_pickle") is not False
                or name == "torch.load" and const("weights_only") is not True
                or "shell" in kw and const("shell") is not False):
            found.append(f"line {node.lineno}: {ast.unparse(node)[:80]}")
    return found


def test_the_static_check_finds_each_unsafe_call():
    bad = ["eval(text)", "exec(code)", "pickle.load(f)", "pickle.loads(b)", "np.load(p, allow_pickle=True)",
           "torch.load(p)", "torch.load(p, weights_only=False)", "yaml.load(s)", "subprocess.run(c, shell=True)"]
    assert all(unsafe_calls(code) for code in bad)
    safe = ["model.eval()", "np.load(p, allow_pickle=False)", "np.load(p)",
            "torch.load(p, map_location='cpu', weights_only=True)", "subprocess.run(['ls'])"]
    assert not any(unsafe_calls(code) for code in safe)


def test_no_source_file_loads_user_data_unsafely():
    files = sorted(p for d in SOURCE_DIRS for p in (REPO / d).rglob("*.py")) + [REPO / "dashboard" / "Home.py"]
    problems = {str(p.relative_to(REPO)): found for p in files if (found := unsafe_calls(p.read_text()))}
    assert not problems, problems
