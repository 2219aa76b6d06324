"""The Draw page's pen canvas: draw with a mouse, a finger or a stylus; Undo, Redo and Clear always in view.

A small Streamlit component (st.components.v2, inline HTML, CSS and
JavaScript). It listens to pointer events, so mouse, touch and pen draw
alike (`touch-action: none` keeps a finger from scrolling the page
instead), records every pointer sample of every stroke, and sends the
strokes the moment the pen lifts: nothing waits for a timer. It has one
mode, drawing; its buttons sit above the canvas and never hide. Undo,
Redo and Clear act in the browser and send the new drawing at once.

The strokes come back as canvas pixels (y down) and are returned as Ink
(y up), checked by the same code as an uploaded Ink JSON file.
"""
from __future__ import annotations

import streamlit as st

from core.ink.ink import Ink
from core.ink.io import ink_from_json

HTML = """
<div class="pad">
  <div class="pad-bar">
    <button type="button" class="pad-button" data-act="undo" data-testid="pad-undo"
            title="Undo the last stroke">&#8630; Undo</button>
    <button type="button" class="pad-button" data-act="redo" data-testid="pad-redo"
            title="Redo what Undo took back">&#8631; Redo</button>
    <button type="button" class="pad-button" data-act="clear" data-testid="pad-clear"
            title="Remove every stroke">&#10005; Clear</button>
    <span class="pad-hint">mouse, finger or stylus: the pen always draws</span>
  </div>
  <canvas class="pad-canvas" data-testid="pad-canvas"></canvas>
</div>
"""

CSS = """
.pad { display: flex; flex-direction: column; gap: 0.4rem; width: fit-content; max-width: 100%; }
.pad-bar { display: flex; align-items: center; gap: 0.4rem; flex-wrap: wrap; }
.pad-button {
  font: inherit; font-size: 0.9rem; padding: 0.25rem 0.75rem; cursor: pointer;
  color: var(--st-text-color, #31333f); background: var(--st-background-color, #fff);
  border: 1px solid var(--st-border-color, #d6d6d9); border-radius: var(--st-button-radius, 0.5rem);
}
.pad-button:hover:not(:disabled) {
  border-color: var(--st-primary-color, #ff4b4b); color: var(--st-primary-color, #ff4b4b);
}
.pad-button:disabled { cursor: not-allowed; opacity: 0.45; }
.pad-hint { font-size: 0.8rem; color: var(--st-text-color, #31333f); opacity: 0.6; margin-left: 0.3rem; }
.pad-canvas {
  touch-action: none; cursor: crosshair; background: #fff; max-width: 100%;
  border: 1px solid var(--st-border-color, #d6d6d9); border-radius: 0.25rem;
}
"""

JS = """
const pads = new WeakMap();

function setUp(root) {
  const canvas = root.querySelector('.pad-canvas');
  const buttons = {};
  root.querySelectorAll('.pad-button').forEach((b) => { buttons[b.dataset.act] = b; });
  const pad = {canvas, buttons, ctx: canvas.getContext('2d'), strokes: [], past: [], future: [],
               pen: null, width: 0, height: 0, send: () => {}};

  const redraw = () => {
    const {ctx} = pad;
    ctx.clearRect(0, 0, pad.width, pad.height);
    ctx.lineWidth = 3; ctx.lineCap = 'round'; ctx.lineJoin = 'round'; ctx.strokeStyle = '#111'; ctx.fillStyle = '#111';
    for (const s of pad.strokes.concat(pad.pen ? [pad.pen] : [])) {
      if (s.length === 1) { ctx.beginPath(); ctx.arc(s[0][0], s[0][1], 1.8, 0, 2 * Math.PI); ctx.fill(); continue; }
      ctx.beginPath(); ctx.moveTo(s[0][0], s[0][1]);
      for (let i = 1; i < s.length; i++) ctx.lineTo(s[i][0], s[i][1]);
      ctx.stroke();
    }
    buttons.undo.disabled = pad.past.length === 0;
    buttons.redo.disabled = pad.future.length === 0;
    buttons.clear.disabled = pad.strokes.length === 0;
  };
  // Every change is one step of the history, sent at once.
  const change = (strokes) => {
    pad.past.push(pad.strokes); pad.future = []; pad.strokes = strokes; redraw(); pad.send();
  };
  const point = (e) => {
    const r = canvas.getBoundingClientRect();
    const x = (e.clientX - r.left) * pad.width / r.width, y = (e.clientY - r.top) * pad.height / r.height;
    const clamp = (v, hi) => Math.round(10 * Math.min(Math.max(v, 0), hi)) / 10;
    return [clamp(x, pad.width), clamp(y, pad.height)];
  };
  canvas.addEventListener('pointerdown', (e) => {
    if (!e.isPrimary || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    pad.pen = [point(e)];
    redraw();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!pad.pen || !e.isPrimary) return;
    // The browser may merge fast moves into one event; its coalesced events are every sample.
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const ev of (events.length ? events : [e])) {
      const p = point(ev), last = pad.pen[pad.pen.length - 1];
      if (Math.hypot(p[0] - last[0], p[1] - last[1]) >= 0.5) pad.pen.push(p);
    }
    redraw();
  });
  const lift = (e) => {
    if (!pad.pen || !e.isPrimary) return;
    const stroke = pad.pen;
    pad.pen = null;
    change(pad.strokes.concat([stroke]));
  };
  canvas.addEventListener('pointerup', lift);
  canvas.addEventListener('pointercancel', lift);
  buttons.undo.addEventListener('click', () => {
    if (!pad.past.length) return;
    pad.future.push(pad.strokes); pad.strokes = pad.past.pop(); redraw(); pad.send();
  });
  buttons.redo.addEventListener('click', () => {
    if (!pad.future.length) return;
    pad.past.push(pad.strokes); pad.strokes = pad.future.pop(); redraw(); pad.send();
  });
  buttons.clear.addEventListener('click', () => { if (pad.strokes.length) change([]); });
  pad.redraw = redraw;
  return pad;
}

export default function (component) {
  const {data, parentElement, setStateValue} = component;
  const root = parentElement.querySelector('.pad');
  let pad = pads.get(root);
  if (!pad) { pad = setUp(root); pads.set(root, pad); }
  pad.send = () => setStateValue('strokes', pad.strokes);
  if (pad.width !== data.width || pad.height !== data.height) {
    pad.width = data.width; pad.height = data.height;
    pad.canvas.width = data.width; pad.canvas.height = data.height;
    pad.canvas.style.width = data.width + 'px';
  }
  pad.redraw();
}
"""

_PAD = st.components.v2.component("hwlab_pen_canvas", html=HTML, css=CSS, js=JS)


def strokes_to_ink(strokes) -> Ink:
    """The component's strokes (canvas pixels, y down) as Ink (y up); malformed values raise InputError."""
    flipped = [[[p[0], -p[1]] if isinstance(p, list) and len(p) == 2 else p for p in s] if isinstance(s, list) else s
               for s in strokes or []]
    return ink_from_json({"strokes": flipped}, "the canvas", max_points=None)[0]


def pen_canvas(key: str, width: int = 860, height: int = 240) -> Ink:
    """Draw the pen canvas; the strokes drawn so far as Ink (y up, canvas pixels), [] before the first."""
    result = _PAD(data={"width": width, "height": height}, key=key, default={"strokes": []},
                  on_strokes_change=lambda: None, width="content")
    return strokes_to_ink(result.get("strokes"))
