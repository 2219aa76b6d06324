"""InkML, the W3C ink format other handwriting tools and data sets (CROHME, IAM-OnDB's exports) use.

A document is an `<ink>` element in the InkML namespace with one `<trace>`
per stroke ("x y, x y, ..." points, y pointing down as on a tablet) and
the label in `<annotation type="truth">`. Reading accepts what such files
hold: extra channels (time, pressure) after x and y are dropped, traces
inside `<traceGroup>`s are read in document order, and the difference
encodings of the specification (a `'` prefix: first differences, `"`:
second differences, `!`: an explicit value) are integrated. Parsing uses
defusedxml, so an upload cannot expand entities or reach the network.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from core.errors import InputError
from core.ink.ink import Ink, as_ink

NS = "http://www.w3.org/2003/InkML"
MAX_BYTES = 20 * 1024 * 1024
_TOKEN = re.compile(r"""([!'"]?)\s*(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)""")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def ink_to_inkml(ink: Ink, label: str | None = None) -> str:
    """One InkML document of `ink` (y flipped to point down) with its label as the truth annotation."""
    root = ET.Element("ink", xmlns=NS)
    fmt = ET.SubElement(root, "traceFormat")
    for name in ("X", "Y"):
        ET.SubElement(fmt, "channel", name=name, type="decimal")
    if label is not None:
        ET.SubElement(root, "annotation", type="truth").text = label
    for k, stroke in enumerate(ink):
        trace = ET.SubElement(root, "trace", id=str(k))
        trace.text = ", ".join(f"{x:.5g} {-y:.5g}" for x, y in np.asarray(stroke, dtype=float)[:, :2])
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _trace_points(text: str, where: str) -> np.ndarray:
    """The (n, 2) x, y points of a trace's text, difference encodings integrated."""
    points = []
    mode = ["!", "!"]                          # per channel: absolute until a prefix says otherwise
    last = [np.zeros(2), np.zeros(2)]          # the previous value and first difference per channel
    for k, raw in enumerate(p for p in text.split(",") if p.strip()):
        values = []
        for i, (prefix, number) in enumerate(_TOKEN.findall(raw)[:2]):
            mode[i] = prefix or mode[i]
            values.append((mode[i], float(number)))
        if len(values) < 2:
            raise InputError(f"{where}: point {k} has fewer than two numbers ({raw.strip()[:40]!r})",
                             "a trace lists points as 'x y, x y, ...'")
        point = np.zeros(2)
        for i, (m, v) in enumerate(values):
            if m == "!" or k == 0:
                point[i], last[1][i] = v, 0.0
            elif m == "'":
                point[i], last[1][i] = last[0][i] + v, v
            else:  # '"': a second difference
                last[1][i] += v
                point[i] = last[0][i] + last[1][i]
        last[0] = point
        points.append(point)
    return np.array(points).reshape(-1, 2)


def inkml_to_ink(data: bytes | str, source: str = "InkML") -> tuple[Ink, str | None]:
    """(ink with y up, truth label or None) of one InkML document; InputError for anything else."""
    if len(data) > MAX_BYTES:
        raise InputError(f"{source} is {len(data) / 2**20:.1f} MB; the limit is {MAX_BYTES // 2**20} MB")
    try:
        root = SafeET.fromstring(data)
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        raise InputError(f"{source} is not well-formed InkML ({str(exc)[:80]})",
                         'an InkML file is <ink xmlns="http://www.w3.org/2003/InkML"> with <trace> elements') from exc
    if _local(root.tag) != "ink":
        raise InputError(f"{source}: the root element is <{_local(root.tag)}>, not <ink>")
    label = None
    strokes = []
    for el in root.iter():
        tag = _local(el.tag)
        if tag == "annotation" and el.get("type") == "truth" and label is None:
            label = (el.text or "").strip()
        elif tag == "trace":
            pts = _trace_points(el.text or "", f"{source}, trace {el.get('id', len(strokes))}")
            strokes.append(pts * np.array([1.0, -1.0]))
    ink = as_ink(strokes)
    if not ink:
        raise InputError(f"{source} holds no trace with points", "an InkML file needs <trace>x y, x y</trace>")
    return ink, label
