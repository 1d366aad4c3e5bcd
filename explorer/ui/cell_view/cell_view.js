// The Cell Explorer's stepping view: heatmaps, live cell diagrams, equations with numbers and the
// top-k predictions of every run, under one time cursor that moves with no server round trip.
//
// Everything a step needs was sent once (explorer/scenes/payload.py). Moving the cursor only moves CSS
// overlays and rewrites a few dozen text nodes; the heatmaps are drawn once, on canvases. User text is
// only ever written with textContent, never as HTML.

// two decimals on the diagram and in hover text; the equations carry three, so a student's hand check
// matches the printed result (r = 0.003 times 5.88 is not 0.00)
const fixed = (v, d) => (Math.abs(v) < 0.5 * 10 ** -d ? 0 : v).toFixed(d).replace("-", "−");
const FMT = (v) => fixed(v, 2);
const EQ = (v) => fixed(v, 3);
const PAREN = (v) => (v < -0.0005 ? "(" + EQ(v) + ")" : EQ(v));

// the payload as payload.pack writes it: uint32 n, n bytes of JSON, then float32 values; in the JSON an array
// is {"__f32": [first, count]}. One copy of the values (the message's bytes need not be 4-byte aligned).
function unpack(bytes) {
  const n = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  const values = new Float32Array(bytes.slice(4 + n).buffer);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + n)), (k, v) =>
    v && typeof v === "object" && Array.isArray(v.__f32) ? values.subarray(v.__f32[0], v.__f32[0] + v.__f32[1]) : v);
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const SVGNS = "http://www.w3.org/2000/svg";
function svg(tag, attrs, parent) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

// ------------------------------------------------------------------------------------------------
// colour: the heatmaps' own scales, sampled in Python (payload.luts)
function colour(lut, v, lo, hi) {
  const x = Math.max(0, Math.min(1, (v - lo) / (hi - lo || 1)));
  return lut[Math.round(x * (lut.length - 1))];
}


// diagrams: [wire, path, label x, label y]; nodes: [kind, x, y, text]
const DIAGRAMS = {
  lstm: {
    wires: [
      ["h_prev", "M 30 300 L 560 300 M 170 300 L 170 268 M 280 300 L 280 268 M 440 300 L 440 268 M 560 300 L 560 268", 36, 326, "start"],
      ["c_prev", "M 30 60 L 152 60", 36, 46, "start"],
      ["f", "M 170 232 L 170 78", 180, 160, "start"],
      ["f_c", "M 188 60 L 332 60", 260, 46, "middle"],
      ["i", "M 280 232 L 280 150 L 332 150", 290, 205, "start"],
      ["g", "M 440 232 L 440 150 L 368 150", 450, 205, "start"],
      ["i_g", "M 350 132 L 350 78", 360, 112, "start"],
      ["c", "M 368 60 L 710 60 M 640 60 L 640 92", 500, 46, "middle"],
      ["tanh_c", "M 640 128 L 640 162", 630, 150, "end"],
      ["o", "M 560 232 L 560 180 L 622 180", 570, 216, "start"],
      ["h", "M 658 180 L 700 180 L 700 290", 692, 284, "end"],  // down: it is the next step's h_{t−1}
    ],
    nodes: [["op", 170, 60, "×"], ["op", 350, 60, "+"], ["op", 350, 150, "×"], ["op", 640, 180, "×"],
            ["fn", 640, 110, "tanh"], ["gate", 170, 250, "σ  f"], ["gate", 280, 250, "σ  i"],
            ["gate", 440, 250, "tanh  g"], ["gate", 560, 250, "σ  o"]],
    texts: [[36, 0, "cell state: the cell path through time"], [300, 326, "[h_{t−1}; x_t] → every gate"]],
  },
  gru: {
    wires: [
      ["h_prev", "M 30 60 L 182 60 M 30 300 L 600 300 M 200 300 L 200 268 M 316 300 L 316 268", 36, 46, "start"],
      ["z", "M 200 232 L 200 78 M 200 150 L 282 150", 210, 205, "start"],
      ["z_h", "M 218 60 L 402 60", 310, 46, "middle"],
      ["one_minus_z", "M 318 150 L 402 150", 360, 194, "middle"],  // below: above it runs (1−z)·n's label
      ["r", "M 348 250 L 432 250", 390, 238, "middle"],
      ["b_n", "M 450 300 L 450 268", 450, 330, "middle"],  // under the bus: above it there are 32 units
      ["r_b", "M 468 250 L 540 250", 494, 218, "middle"],  // above the r label: the wire is short
      ["a_n", "M 600 300 L 600 268", 712, 326, "end"],  // under the bus: right of the wire there is no room
      ["n", "M 580 232 L 580 150 L 438 150", 590, 205, "start"],
      ["nz", "M 420 132 L 420 78", 430, 112, "start"],
      ["h", "M 438 60 L 710 60", 570, 46, "middle"],
    ],
    nodes: [["op", 200, 60, "×"], ["op", 420, 60, "+"], ["op", 300, 150, "1−"], ["op", 420, 150, "×"],
            ["op", 450, 250, "×"], ["gate", 200, 250, "σ  z"], ["gate", 316, 250, "σ  r"], ["gate", 580, 250, "tanh  n"]],
    texts: [[36, 0, "hidden state: the only state"], [36, 360, "[h_{t−1}; x_t] → gates"]],
    height: 372,
  },
  rnn: {
    wires: [
      ["h_prev", "M 30 300 L 360 300 L 360 268", 36, 326, "start"],
      ["a", "M 360 232 L 360 200", 398, 216, "start"],
      ["h", "M 360 164 L 360 120 L 710 120", 540, 106, "middle"],
    ],
    nodes: [["gate", 360, 182, "tanh"], ["gate", 360, 250, "W_ih x + W_hh h + b"]],
    texts: [[36, 0, "one state, rewritten at every step"], [300, 326, "[h_{t−1}; x_t]"]],
  },
};


// subscripts in the static strings (x_t, h_{t−1}): split into plain and subscript runs, then drawn as
// <sub> in HTML or as shifted <tspan>s in SVG
function subscriptRuns(s) {
  const re = /_(\{[^}]*\}|[A-Za-z0-9]+)/g;
  const runs = [];
  let last = 0, m;
  while ((m = re.exec(s))) {
    if (m.index > last) runs.push([s.slice(last, m.index), false]);
    runs.push([m[1].replace(/[{}]/g, ""), true]);
    last = re.lastIndex;
  }
  if (last < s.length) runs.push([s.slice(last), false]);
  return runs;
}

function mathText(parent, s) {
  for (const [text, sub] of subscriptRuns(s)) {
    parent.appendChild(sub ? el("sub", null, text) : document.createTextNode(text));
  }
}

function svgMath(parent, s) {
  for (const [text, sub] of subscriptRuns(s)) {
    const ts = svg("tspan", sub ? { "baseline-shift": "sub", "font-size": "75%" } : {}, parent);
    ts.textContent = text;
  }
}

// ------------------------------------------------------------------------------------------------
// ------------------------------------------------------------------------------------------------
// Every wire at step t (1-based), unit u, from the architecture's formulas (explorer/cells/<arch>.py, sent
// in run.spec): the same tuples explorer/diagram.py evaluates in Python.
function wireValues(spec, at, start, t, u) {
  const w = {};
  for (const { name, formula } of spec.wires) {
    const [op, a, b] = formula;
    if (op === "at") w[name] = at(a, t, u);
    else if (op === "prev") w[name] = t > 1 ? at(a, t - 1, u) : start[a][u];
    else if (op === "mul") w[name] = w[a] * w[b];
    else if (op === "one_minus") w[name] = 1 - w[a];
    else if (op === "tanh") w[name] = Math.tanh(w[a]);
  }
  return w;
}

// the value a what-if pinned at step t for unit u (null when the gate was computed)
function pinnedValue(run, gate, t, u) {
  for (const p of run.pinned || []) {
    if (p.gate === gate && t >= p.from && (p.units === null || p.units.includes(u))) return p.value;
  }
  return null;
}

function wireColour(data, kind, v, cRange) {
  const lut = kind === "gate" ? data.luts.Cividis : data.luts.RdBu_r;
  const lo = kind === "gate" ? 0 : kind === "wide" ? -cRange : -1;
  const hi = kind === "gate" ? 1 : kind === "wide" ? cRange : 1;
  return colour(lut, v, lo, hi);
}

// the cell diagram: geometry from DIAGRAMS, labels and colour kinds from the spec
function buildDiagram(run, parent, presenter) {
  const dia = el("div", "cv-dia");
  parent.appendChild(dia);
  const title = el("div", "cv-sub");
  dia.appendChild(title);
  const geom = DIAGRAMS[run.arch];
  const box = svg("svg", { viewBox: `0 ${DIAGRAM_TOP} 720 ${(geom.height || 340) - DIAGRAM_TOP}`, class: "cv-diagram", role: "img",
                           "aria-label": run.spec.label + " cell diagram with live values" });
  dia.appendChild(box);
  // on a phone the diagram is wider than the screen and scrolls sideways: said in words under it (the CSS shows
  // this line only at widths where the diagram overflows)
  parent.appendChild(el("div", "cv-swipe", "Swipe the diagram sideways for the rest of the cell →"));
  // labels are sized in the SVG's own units (720 wide): keep them >= 12 px on screen (18 in presenter mode),
  // whatever width the layout gives the diagram
  const minPx = presenter ? 18 : 12;
  const fit = () => {
    const scale = box.clientWidth / 720;
    if (scale <= 0) return;
    box.style.setProperty("--cv-label", `${Math.min(26, Math.max(17, minPx / scale))}px`);
    box.style.setProperty("--cv-text", `${Math.min(24, Math.max(15, minPx / scale))}px`);  // gates, ops, captions
  };
  new ResizeObserver(() => { fit(); clearLabels(box, geom, els, run); }).observe(box);
  const byName = Object.fromEntries(run.spec.wires.map((w) => [w.name, w]));
  const els = {};
  for (const [name, d, lx, ly, anchor] of geom.wires) {
    const g = svg("g", { class: "cv-wire", "data-wire": name }, box);
    svg("path", { d, class: "cv-wire-under" }, g);
    const path = svg("path", { d, class: "cv-wire-top" }, g);
    const label = svg("text", { x: lx, y: ly, class: "cv-wire-label", "text-anchor": anchor }, g);
    svgMath(label, byName[name].label + " = ");
    const value = svg("tspan", { class: "cv-wire-value" }, label);
    els[name] = { path, value, kind: byName[name].kind };
  }
  for (const [kind, x, y, text] of geom.nodes) {
    if (kind === "op") {
      svg("circle", { cx: x, cy: y, r: 18, class: "cv-op" }, box);
    } else if (kind === "fn") {
      svg("ellipse", { cx: x, cy: y, rx: 30, ry: 18, class: "cv-op" }, box);
    } else {
      const w = Math.max(64, text.length * 9 + 16);
      svg("rect", { x: x - w / 2, y: y - 18, width: w, height: 36, rx: 6, class: "cv-gate" }, box);
    }
    svgMath(svg("text", { x, y: y + 6, class: kind === "gate" ? "cv-gate-text" : "cv-op-text" }, box), text);
  }
  for (const [x, y, text] of geom.texts) svgMath(svg("text", { x, y, class: "cv-diagram-caption" }, box), text);
  return {
    update(data, w, t, u, cRange) {
      title.textContent = `The cell at t = ${t + data.offset}, unit ${u} (point at a wire to find its term)`;
      for (const [name, { path, value, kind }] of Object.entries(els)) {
        const pinned = pinnedValue(run, name, t, u) !== null;
        path.setAttribute("stroke", wireColour(data, kind, w[name], cRange));
        path.classList.toggle("cv-pinned", pinned);
        value.textContent = FMT(w[name]) + (pinned ? " ⊣ pinned" : "");
        value.setAttribute("data-value", String(w[name]));
      }
    },
  };
}

// Labels keep clear of every wire and node. The label size depends on the width the layout gives the
// diagram, so the fixed geometry cannot place them once for all: after each resize, every label is
// measured at its widest value and moved the shortest way off whatever it covers.
const LABEL_PAD = 4;  // SVG units between a label's box and a wire's centre line or a node's outline
const DIAGRAM_TOP = -24;  // the captions sit above the wires' area, so a label above the top wire has room

function obstacles(geom) {
  const boxes = [];
  for (const [, d] of geom.wires) {
    const pts = [...d.matchAll(/([ML])\s*(-?[\d.]+)\s+(-?[\d.]+)/g)].map((m) => [m[1], +m[2], +m[3]]);
    for (let k = 1; k < pts.length; k++) {
      if (pts[k][0] !== "L") continue;
      const [, x0, y0] = pts[k - 1], [, x1, y1] = pts[k];
      boxes.push({ x0: Math.min(x0, x1), x1: Math.max(x0, x1), y0: Math.min(y0, y1), y1: Math.max(y0, y1) });
    }
  }
  for (const [kind, x, y, text] of geom.nodes) {
    const rx = kind === "op" ? 18 : kind === "fn" ? 30 : Math.max(64, text.length * 9 + 16) / 2;
    boxes.push({ x0: x - rx, x1: x + rx, y0: y - 18, y1: y + 18 });
  }
  return boxes;
}

function overlap(a, b) {
  return a.x0 < b.x1 + LABEL_PAD && b.x0 - LABEL_PAD < a.x1 && a.y0 < b.y1 + LABEL_PAD && b.y0 - LABEL_PAD < a.y1;
}

function clearLabels(box, geom, els, run) {
  if (box.clientWidth <= 0) return;
  const height = geom.height || 340;
  const walls = obstacles(geom);
  const widest = (name) => (els[name].kind === "gate" ? "0.00" : "−0.00") + ((run.pinned || []).some((p) => p.gate === name) ? " ⊣ pinned" : "");
  const inside = (r) => r.x0 >= 0 && r.y0 >= DIAGRAM_TOP && r.x1 <= 720 && r.y1 <= height;
  const box4 = (b) => ({ x0: b.x, x1: b.x + b.width, y0: b.y, y1: b.y + b.height });
  const shift = (r, dx, dy) => ({ x0: r.x0 + dx, x1: r.x1 + dx, y0: r.y0 + dy, y1: r.y1 + dy });
  // every write first (each label at its widest value, at its drawn place), then every read: one layout in
  // all. A label moved by (dx, dy) has its box moved by exactly that, so the moves are worked out without
  // measuring again.
  const labels = geom.wires.map(([name, , lx, ly]) => {
    const { value } = els[name];
    const label = value.parentNode, shown = value.textContent;
    value.textContent = widest(name);
    label.setAttribute("x", lx);
    label.setAttribute("y", ly);
    return { value, label, shown, lx, ly };
  });
  for (const t of box.querySelectorAll(".cv-diagram-caption")) walls.push(box4(t.getBBox()));
  for (const l of labels) l.drawn = box4(l.label.getBBox());
  for (const l of labels) {
    // into the diagram first (a long label at a large size can run past an edge)
    let me = l.drawn;
    let dx = Math.max(0, -me.x0) - Math.max(0, me.x1 - 720);
    let dy = Math.max(0, DIAGRAM_TOP - me.y0) - Math.max(0, me.y1 - height);
    for (let pass = 0; pass < 8; pass++) {
      me = shift(l.drawn, dx, dy);
      const hit = walls.find((w) => overlap(me, w));
      if (!hit) break;
      // the shortest way out of the obstacle that stays inside the diagram
      const moves = [[0, hit.y0 - LABEL_PAD - me.y1 - 1], [0, hit.y1 + LABEL_PAD - me.y0 + 1],
                     [hit.x0 - LABEL_PAD - me.x1 - 1, 0], [hit.x1 + LABEL_PAD - me.x0 + 1, 0]]
        .filter(([mx, my]) => inside(shift(me, mx, my)))
        .sort((a, b) => Math.abs(a[0] + a[1]) - Math.abs(b[0] + b[1]));
      if (!moves.length) break;
      dx += moves[0][0];
      dy += moves[0][1];
    }
    walls.push(shift(l.drawn, dx, dy));  // later labels keep off this one too
    l.x = l.lx + dx;
    l.y = l.ly + dy;
  }
  for (const l of labels) {
    l.label.setAttribute("x", l.x);
    l.label.setAttribute("y", l.y);
    l.value.textContent = l.shown;
  }
}

// the equations, static strings from the spec with {w: wire} slots filled with numbers
function buildEquations(run, parent) {
  parent.appendChild(el("div", "cv-sub", "The equations at this step, for the selected unit"));
  const eqs = el("div", "cv-eqs");
  parent.appendChild(eqs);
  const slots = [];
  for (const line of run.spec.equations) {
    const row = el("div", "cv-eq");
    for (const part of line) {
      if (typeof part === "string") { mathText(row, part); continue; }
      const s = el("span", "cv-num");
      s.dataset.wire = part.w;
      row.appendChild(s);
      slots.push([s, part.w, !!part.p]);
    }
    eqs.appendChild(row);
  }
  return {
    update(w, t, u) {
      for (const [s, name, p] of slots) {
        const pinned = pinnedValue(run, name, t, u) !== null;
        s.textContent = (p ? PAREN(w[name]) : EQ(w[name])) + (pinned ? " ⊣ pinned" : "");
        s.classList.toggle("cv-pinned", pinned);
      }
    },
  };
}

// the next-character bars
function buildTopK(run, parent) {
  const title = el("div", "cv-sub");
  parent.appendChild(title);
  const box = el("div", "cv-topk");
  parent.appendChild(box);
  const rows = [];
  for (let j = 0; j < run.topk.chars[0].length; j++) {
    const row = el("div", "cv-k");
    const ch = el("span", "cv-k-char");
    const bar = el("span", "cv-k-bar");
    const fill = el("span", "cv-k-fill");
    bar.appendChild(fill);
    const pct = el("span", "cv-k-pct");
    row.append(ch, bar, pct);
    box.appendChild(row);
    rows.push({ row, ch, fill, pct });
  }
  return {
    update(data, t) {
      const next = t < data.T ? data.labels[t] : (data.after ?? null);  // the text may go on past the window
      if (!rows.length) {  // a layer whose h the readout does not read alone: say why, draw no bars
        title.textContent = `Next-character bars: none here — ${run.topk.none || "this model has no readout"}.`;
        return;
      }
      const chars = run.topk.chars[t - 1], probs = run.topk.probs[t - 1];
      // the sentence names the model's best guess and where the true next character stands among the bars
      const pc = (p) => (100 * p).toFixed(1) + "%";
      const rank = next === null ? -1 : chars.indexOf(next);
      const truth = next === null ? "" : rank === 0 ? `, and it is right: the text continues with '${next}'` :
        rank > 0 ? `; the text continues with '${next}' (its guess no. ${rank + 1}, ${pc(probs[rank])})` :
        `; the text continues with '${next}', not among its top ${chars.length}`;
      title.textContent = `After reading ${data.labels[t - 1] === undefined ? "?" : "'" + data.labels[t - 1] + "'"} ` +
        `(t = ${t + data.offset}), the model's best guess is '${chars[0]}' (${pc(probs[0])})${truth}`;
      rows.forEach((r, j) => {
        r.ch.textContent = chars[j];
        r.fill.style.width = (100 * probs[j]).toFixed(1) + "%";
        r.pct.textContent = (100 * probs[j]).toFixed(1) + "%";
        r.row.classList.toggle("cv-k-true", next !== null && chars[j] === next);
      });
    },
  };
}

// the heatmaps: drawn once; the cursor and the selected unit are CSS overlays moved on every step
// "rgb(r, g, b)" strings sampled in Python (payload.luts) -> a flat byte table for the canvas
function lutBytes(lut) {
  const out = new Uint8ClampedArray(lut.length * 3);
  lut.forEach((c, k) => c.match(/\d+/g).slice(0, 3).forEach((v, j) => { out[k * 3 + j] = +v; }));
  return out;
}

// tick positions: about `most` of them, on round numbers
function niceTicks(n, most) {
  const step = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500].find((s) => n / s <= most) || Math.ceil(n / most);
  const ticks = [];
  for (let v = 0; v < n; v += step) ticks.push(v);
  return ticks;
}

// A heatmap as one canvas pixel per (step, unit), scaled up by CSS; axes, colour bar and hover text are
// HTML written with textContent. Drawing costs about a millisecond, where a plotly heatmap costs hundreds
// and needs plotly.js (3.5 MB) fetched and parsed first; see benchmarks/bench_pages.py.
// the symbolic right-hand side of the equation that defines `name` ("i_t = σ(W_ii x_t + …)"), from the spec
function definition(spec, name) {
  for (const line of spec.equations || []) {
    const head = typeof line[0] === "string" ? line[0] : "";
    if (head.startsWith(`${name}_t = `)) return head.split(" = ").slice(0, 2).join(" = ");
  }
  return "";
}

const HM = { left: 46, right: 64, top: 6, bottom: 30 };  // px around the plot area
const LONG_T = 512;  // steps above which the plots are measured before their canvases are drawn

function buildHeatmaps(view, run, data, arrays, parent) {
  const T = data.T, H = run.hidden;
  const presenter = !!data.presenter;
  const height = Math.round(Math.max(150, Math.min(340, 70 + 2.2 * H)) * (presenter ? 1.25 : 1));
  const bottom = HM.bottom + (presenter ? 8 : 0);
  const plotH = height - HM.top - bottom;
  const plots = [];
  // said when the text is longer than the plots are wide (see paint)
  const squeezed = el("p", "cv-squeeze");
  squeezed.hidden = true;
  parent.appendChild(squeezed);
  for (const p of run.panels) {
    const fig = el("figure", "cv-map");
    const cap = el("figcaption");
    const b = el("b");
    mathText(b, p.title);
    const c = el("span", "cv-caption");
    mathText(c, " — " + p.caption);
    cap.append(b, c);
    fig.appendChild(cap);
    const holder = el("div", "cv-plot-holder");
    const div = el("div", "cv-plot");
    div.style.height = `${height}px`;
    const col = el("div", "cv-cursor");
    const row = el("div", "cv-unit");
    holder.append(div, col, row);
    fig.appendChild(holder);
    parent.appendChild(fig);
    plots.push({ p, div, col, row, geom: null });
  }
  function move(pl) {
    const g = pl.geom;
    if (!g) return;
    const dx = g.w / T, dy = g.h / H;
    pl.col.style.cssText = `left:${g.x0 + (view.t - 1) * dx}px;top:${g.y0}px;width:${Math.max(dx, 2)}px;height:${g.h}px`;
    pl.row.style.cssText = `left:${g.x0}px;top:${g.y0 + view.unit * dy}px;width:${g.w}px;height:${Math.max(dy, 3)}px`;
  }
  for (const pl of plots) pl.move = () => move(pl);
  const tick = (cls, text, style) => {
    const e = el("span", cls, text);
    e.style.cssText = style;
    return e;
  };
  const xAt = (k) => `calc(${HM.left}px + (100% - ${HM.left + HM.right}px) * ${(k + 0.5) / T})`;
  // the pixels: one canvas column per screen pixel column when the text is longer than the plot is wide, else one
  // per step (a 2,000-step canvas scaled down cost the browser a paint and a commit of every step). A column that
  // covers several steps shows, for each unit, the one farthest from the middle of the colour scale, so a spike is
  // never dropped; pl.pick names that step, for the hover and a click.
  function paint(pl, cssWidth) {
    const { p, canvas } = pl;
    const arr = arrays[p.name];
    const W = cssWidth > 0 ? Math.min(T, Math.max(1, Math.round(cssWidth * (window.devicePixelRatio || 1)))) : T;
    if (pl.cols === W) return;
    pl.cols = W;
    const lut = lutBytes(data.luts[p.colorscale]);
    const levels = lut.length / 3 - 1;
    const span = p.zmax - p.zmin || 1;
    const mid = (p.zmin + p.zmax) / 2;
    canvas.width = W;
    canvas.height = H;
    const img = new ImageData(W, H);
    const pick = new Int32Array(W * H);  // (H, W): the step each pixel shows
    const first = new Int32Array(W + 1);  // column x covers the steps first[x] .. first[x + 1] - 1
    for (let x = 0; x <= W; x++) first[x] = Math.ceil(x * T / W);
    for (let u = 0; u < H; u++) {
      for (let x = 0; x < W; x++) {
        let k = first[x];
        for (let j = k + 1; j < first[x + 1]; j++) {
          if (Math.abs(arr[u * T + j] - mid) > Math.abs(arr[u * T + k] - mid)) k = j;
        }
        pick[u * W + x] = k;
        const v = arr[u * T + k];
        const q = 3 * Math.round(Math.max(0, Math.min(1, (v - p.zmin) / span)) * levels);
        const o = 4 * (u * W + x);
        img.data[o] = lut[q]; img.data[o + 1] = lut[q + 1]; img.data[o + 2] = lut[q + 2]; img.data[o + 3] = 255;
      }
    }
    pl.pick = pick;
    canvas.getContext("2d").putImageData(img, 0, 0);
    if (pl === plots[0]) {
      squeezed.hidden = W === T;
      squeezed.textContent = W === T ? "" : `${T.toLocaleString("en")} steps on ${W} pixel columns: each column covers ` +
        `about ${(T / W).toFixed(1)} steps and shows, for each unit, the one farthest from the middle of the colour ` +
        "scale. Hover to see which; ← → step through every one.";
    }
  }
  // the characters along the bottom: as many as fit the plot's width (a label every 16 px, 26 in presenter
  // mode), redone when the width changes; before the width is known, at most 70
  function labelX(pl, cssWidth) {
    const most = cssWidth > 0 ? Math.max(2, Math.floor(cssWidth / (presenter ? 26 : 16))) : (presenter ? 40 : 70);
    const every = Math.max(1, Math.ceil(T / most));
    if (pl.every === every) return;
    pl.every = every;
    for (const e of pl.xticks) e.remove();
    pl.xticks = [];
    for (let k = 0; k < T; k += every) {
      const e = tick("cv-xtick", data.labels[k], `left:${xAt(k)};top:${HM.top + plotH + 4}px`);
      pl.div.appendChild(e);
      pl.xticks.push(e);
    }
  }
  function drawOne(pl, cssWidth) {
    const { p, div } = pl;
    const canvas = el("canvas", "cv-hm");
    pl.canvas = canvas;
    canvas.style.cssText = `left:${HM.left}px;top:${HM.top}px;width:calc(100% - ${HM.left + HM.right}px);height:${plotH}px`;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `${p.name} heatmap: ${H} units by ${T} steps`);
    paint(pl, cssWidth - HM.left - HM.right);
    div.appendChild(canvas);
    // axes: units down the left (0 on top), the characters along the bottom
    div.appendChild(tick("cv-axis-title", "unit", `left:0;top:${HM.top + plotH / 2}px`));
    for (const u of niceTicks(H, Math.max(3, Math.floor(plotH / 28)))) {
      div.appendChild(tick("cv-ytick", String(u), `right:calc(100% - ${HM.left - 5}px);top:${HM.top + (u + 0.5) * plotH / H}px`));
    }
    pl.xticks = [];
    labelX(pl, cssWidth - HM.left - HM.right);
    // the colour bar, with its range
    const lut = lutBytes(data.luts[p.colorscale]);
    const levels = lut.length / 3 - 1;
    const bar = el("canvas", "cv-cbar");
    bar.width = 1;
    bar.height = levels + 1;
    const bimg = new ImageData(1, levels + 1);
    for (let q = 0; q <= levels; q++) {
      const o = 4 * (levels - q);
      bimg.data[o] = lut[3 * q]; bimg.data[o + 1] = lut[3 * q + 1]; bimg.data[o + 2] = lut[3 * q + 2]; bimg.data[o + 3] = 255;
    }
    bar.getContext("2d").putImageData(bimg, 0, 0);
    bar.style.cssText = `right:${HM.right - 22}px;top:${HM.top}px;height:${plotH}px`;
    div.appendChild(bar);
    for (const [f, v] of [[0, p.zmax], [0.5, (p.zmin + p.zmax) / 2], [1, p.zmin]]) {
      div.appendChild(tick("cv-ctick", FMT(v).replace(/\.00$/, ""), `left:calc(100% - ${HM.right - 26}px);top:${HM.top + f * plotH}px`));
    }
    // hover: which step, character, unit and value; a click selects that step and unit
    const tip = el("div", "cv-tip");
    div.appendChild(tip);
    const cellAt = (ev) => {
      const r = canvas.getBoundingClientRect();
      // the step drawn in the pixel under the pointer
      const col = Math.floor((ev.clientX - r.left) / r.width * pl.cols), u = Math.floor((ev.clientY - r.top) / r.height * H);
      return col >= 0 && col < pl.cols && u >= 0 && u < H ? [pl.pick[u * pl.cols + col], u] : null;
    };
    const defined = definition(run.spec, p.name);  // the equation this heatmap's numbers come from
    const arr = arrays[p.name];
    canvas.addEventListener("mousemove", (ev) => {
      const at = cellAt(ev);
      if (!at) { tip.style.display = "none"; return; }
      const [k, u] = at;
      const pinned = pinnedValue(run, p.name, k + 1, u) !== null;  // set by the what-if, not by the equation
      tip.textContent = `t=${k + 1 + data.offset} '${data.labels[k]}' · unit ${u} · ${p.name}=${FMT(arr[u * T + k])} ` +
        `(${p.hover})${pinned ? " ⊣ pinned" : ""}`;
      if (defined && !pinned) {
        tip.appendChild(document.createElement("br"));
        mathText(tip, defined);
      }
      tip.style.display = "block";
      tip.style.left = `${Math.min(ev.offsetX + canvas.offsetLeft + 12, div.clientWidth - tip.offsetWidth - 4)}px`;
      tip.style.top = `${ev.offsetY + canvas.offsetTop + 14}px`;
    });
    canvas.addEventListener("mouseleave", () => { tip.style.display = "none"; });
    canvas.addEventListener("click", (ev) => {
      const at = cellAt(ev);
      if (at) view.set(at[0] + 1, at[1]);
    });
    canvas.__cvPlot = pl;
    view.resized.observe(canvas);  // placed with every other canvas once all are drawn, then on each resize
  }
  // a canvas resized (the window, a sidebar, a presenter figure shown): its pixels again if its width in screen
  // pixels changed
  for (const pl of plots) pl.repaint = () => { paint(pl, pl.canvas.clientWidth); labelX(pl, pl.canvas.clientWidth); };
  return { plots, drawOne, moveAll: () => plots.forEach(move) };
}

// the cursor and unit overlays sit on the canvases: every canvas is measured first, then every overlay
// moved, so one layout serves them all (measuring each right after drawing it cost a layout per heatmap)
function placePlots(plots) {
  for (const pl of plots) {
    const cv = pl.canvas;
    pl.geom = { x0: cv.offsetLeft, y0: cv.offsetTop, w: cv.clientWidth, h: cv.clientHeight };
  }
  for (const pl of plots) pl.move();
}

// presenter mode: one figure per screen, chosen with a row of buttons (the diagram, or one heatmap)
function buildFigureChooser(run, sec, body, side, heatmaps) {
  const bar = el("div", "cv-chooser");
  bar.setAttribute("role", "tablist");
  bar.setAttribute("aria-label", "Which figure to show");
  const figures = [["cell", "The cell at this step", side], ...heatmaps.plots.map((pl) => [pl.p.name, pl.p.title, pl.div.closest("figure")])];
  const buttons = [];
  const show = (name) => {
    for (const [n, , node] of figures) node.classList.toggle("cv-hidden", n !== name);
    for (const b of buttons) b.setAttribute("aria-selected", String(b.dataset.fig === name));
  };
  for (const [name, title] of figures) {
    const b = el("button", "cv-btn cv-choice");
    b.type = "button";
    b.setAttribute("role", "tab");
    b.dataset.fig = name;
    mathText(b, name === "cell" ? "diagram & equations" : title.split("  (")[0]);
    b.onclick = () => show(name);
    bar.appendChild(b);
    buttons.push(b);
  }
  sec.insertBefore(bar, body);
  body.classList.add("cv-one");
  show("cell");
}

// ------------------------------------------------------------------------------------------------
// one run: its diagram, equations and top-k beside its heatmaps
function buildRun(view, run, data) {
  const T = data.T;
  const arrays = {};
  for (const p of run.panels) arrays[p.name] = p.values;
  for (const [k, v] of Object.entries(run.aux)) arrays[k] = v;
  const cRange = (run.panels.find((p) => p.name === "c") || { zmax: 1 }).zmax;
  const at = (name, t, u) => arrays[name][u * T + (t - 1)];
  const start = { h: run.h0, c: run.c0 };
  const wires = (t, u) => wireValues(run.spec, at, start, t, u);

  const sec = el("section", "cv-run");
  sec.dataset.run = run.id;
  const head = el("div", "cv-run-head");
  head.appendChild(el("h3", null, run.title));
  if (run.note) head.appendChild(el("p", "cv-note", run.note));
  sec.appendChild(head);
  const body = el("div", "cv-run-body");
  sec.appendChild(body);
  const side = el("div", "cv-side");
  const maps = el("div", "cv-maps");
  body.append(side, maps);

  const diagram = buildDiagram(run, side, data.presenter);
  const info = el("div", "cv-info");
  side.appendChild(info);
  const equations = buildEquations(run, info);
  const topk = buildTopK(run, info);
  const heatmaps = buildHeatmaps(view, run, data, arrays, maps);
  if (data.presenter) buildFigureChooser(run, sec, body, side, heatmaps);

  // hover a wire or a number: highlight both
  const highlight = (name, on) => {
    sec.querySelectorAll(`[data-wire="${name}"]`).forEach((e) => e.classList.toggle("cv-hl", on));
  };
  sec.querySelectorAll("[data-wire]").forEach((e) => {
    e.addEventListener("mouseenter", () => highlight(e.dataset.wire, true));
    e.addEventListener("mouseleave", () => highlight(e.dataset.wire, false));
  });

  function update() {
    const t = view.t, u = view.unit;
    const w = wires(t, u);
    diagram.update(data, w, t, u, cRange);
    equations.update(w, t, u);
    topk.update(data, t);
    heatmaps.moveAll();
  }

  return { sec, drawPlot: heatmaps.drawOne, update, wires, plots: heatmaps.plots };
}

// ------------------------------------------------------------------------------------------------
// A sign of work: while the script reruns, Streamlit marks this element's container data-stale="true"
// until the run reaches it again. A run that takes longer than BUSY_MS (a new text, a what-if, another
// model) dims the view and shows "Recomputing…" at the top of the window, wherever the page is scrolled;
// a quick one (a reported cursor) shows nothing. The pill lives on document.body (an ancestor of the view
// may contain fixed positioning) and is hidden as soon as the run reaches the view or the view is gone.
const BUSY_MS = 200;
function busyPill() {
  if (!window.__cvPill || !window.__cvPill.isConnected) {
    const pill = el("div", "cv-busy-pill", "Recomputing…");
    pill.setAttribute("role", "status");
    document.body.appendChild(pill);
    window.__cvPill = pill;
  }
  return window.__cvPill;
}
function watchBusy(host, tries = 0) {
  if (host.__cvBusy) return;
  const box = host.closest('[data-testid="stElementContainer"]');
  if (!box) {  // not in the page yet: look again next frame
    if (tries < 60) requestAnimationFrame(() => watchBusy(host, tries + 1));
    return;
  }
  let timer = null, poll = null;
  const stale = () => box.isConnected && box.getAttribute("data-stale") === "true";
  const show = (on) => {
    host.classList.toggle("cv-busy", on);
    busyPill().classList.toggle("cv-on", on);
    clearInterval(poll);
    if (on) poll = setInterval(() => { if (!stale()) show(false); }, 250);  // the view may be removed meanwhile
  };
  const update = () => {
    clearTimeout(timer);
    if (!stale()) { show(false); return; }
    timer = setTimeout(() => { if (stale()) show(true); }, BUSY_MS);
  };
  const obs = new MutationObserver(update);
  obs.observe(box, { attributes: true, attributeFilter: ["data-stale"] });
  host.__cvBusy = { obs };
}

export default function (component) {
  const { parentElement, setStateValue } = component;
  if (!(component.data instanceof Uint8Array)) return;
  const data = unpack(component.data);  // sent as bytes: see cell_view.py
  const host = parentElement;
  watchBusy(host);
  if (host.__cv && host.__cv.key === data.key) return; // same data: keep the view (and its cursor) as is
  // New data (another cell, a what-if, a new text): the cursor the user left stays where it was, unless the
  // server moved it itself (a link, a preset). The server's copy of the cursor can lag behind the browser's
  // by the sync delay below, so an unchanged server value says nothing about where the user is.
  const prev = host.__cv ? { t: host.__cv.view.t + host.__cv.offset, unit: host.__cv.view.unit,
                             known: host.__cv.known } : null;
  if (host.__cv) host.__cv.destroy();

  const T = data.T;
  const root = el("div", "cv-root" + (data.presenter ? " cv-presenter" : ""));
  host.appendChild(root);
  // the cursor values the server may hold without having moved it itself: its last one, and every one
  // this browser reported since (a report can arrive before or after the run that rebuilt the view)
  const serverCursor = `${data.t + data.offset}:${data.unit}`;
  const keep = !!prev && prev.known.includes(serverCursor);
  const view = { t: keep ? prev.t - data.offset : data.t, unit: keep ? prev.unit : data.unit, playing: null,
                 textColor: getComputedStyle(host).color || "#222" };

  // --- toolbar
  const bar = el("div", "cv-bar");
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", "Time cursor");
  // a button's face: its symbol, and a word that a phone's narrow bar leaves out (the CSS hides .cv-word)
  const face = (b, symbol, word = "", after = false) => {
    const w = el("span", "cv-word", word);
    b.replaceChildren(...(after ? [w, symbol] : [symbol, w]));
  };
  const btn = (label, text, title) => {
    const b = el("button", "cv-btn");
    if (Array.isArray(text)) face(b, ...text); else b.textContent = text;
    b.type = "button";
    b.setAttribute("aria-label", label);
    b.title = title;
    bar.appendChild(b);
    return b;
  };
  // a window of a longer text starts and ends inside it: the first and last buttons say which ends they go to
  const windowed = data.offset > 0 || data.after != null;
  const ofWindow = windowed ? " of this window" : "";
  const rest = windowed ? "; the window slider above the view moves to the rest of the text" : "";
  const bHome = btn("First step" + ofWindow, "|◀", `First step${ofWindow} (Home)${rest}`);
  const bPrev = btn("Previous step", ["◀", " Prev"], "Previous step (←)");
  const bNext = btn("Next step", ["▶", "Next ", true], "Next step (→)");
  const bEnd = btn("Last step" + ofWindow, "▶|", `Last step${ofWindow} (End)${rest}`);

  const bPlay = btn("Play", "▶ Play", "Play / pause (P)");  // its word stays: ▶ alone would read as Next
  const speed = el("select", "cv-speed");
  speed.setAttribute("aria-label", "Playback speed");
  for (const s of [1, 2, 4, 8, 16]) {
    const o = el("option", null, `${s} step${s > 1 ? "s" : ""}/s`);
    o.value = String(s);
    if (s === 4) o.selected = true;
    speed.appendChild(o);
  }
  bar.appendChild(speed);
  const slider = el("input", "cv-slider");
  Object.assign(slider, { type: "range", min: 1, max: T, step: 1, value: view.t });
  slider.setAttribute("aria-label", "Time step");
  bar.appendChild(slider);
  const tLabel = el("span", "cv-t");
  tLabel.setAttribute("data-testid", "cv-step");
  tLabel.setAttribute("aria-live", "polite");
  bar.appendChild(tLabel);
  const unitBox = el("span", "cv-unitbox");
  unitBox.appendChild(el("span", null, "unit"));
  const uMinus = el("button", "cv-btn cv-small", "−");
  uMinus.type = "button"; uMinus.setAttribute("aria-label", "Previous unit");
  const uInput = el("input", "cv-unit-input");
  Object.assign(uInput, { type: "number", min: 0, max: data.H - 1, step: 1, value: view.unit });
  uInput.setAttribute("aria-label", "Selected unit");
  const uPlus = el("button", "cv-btn cv-small", "+");
  uPlus.type = "button"; uPlus.setAttribute("aria-label", "Next unit");
  unitBox.append(uMinus, uInput, uPlus);
  bar.appendChild(unitBox);
  root.appendChild(bar);

  // --- the text itself, one box per step
  const strip = el("div", "cv-strip");
  strip.setAttribute("aria-label", "Input characters; click one to jump to its step");
  const boxes = data.labels.map((lab, k) => {
    const b = el("span", "cv-ch", lab);
    b.title = `t = ${k + 1 + data.offset}`;
    b.addEventListener("click", () => view.set(k + 1, view.unit));
    strip.appendChild(b);
    return b;
  });
  root.appendChild(strip);

  view.resized = new ResizeObserver((entries) => {
    const plots = entries.map((e) => e.target.__cvPlot);
    placePlots(plots);
    for (const pl of plots) pl.repaint();
  });
  const grid = el("div", `cv-runs cv-n${Math.min(data.runs.length, 3)}`);
  root.appendChild(grid);
  const runs = data.runs.map((r) => buildRun(view, r, data));
  runs.forEach((r) => grid.appendChild(r.sec));

  // --- the cursor
  let syncTimer = null;
  let lastSent = serverCursor;  // what the server holds: reporting it again would only cost a rerun
  const report = () => {
    const now = `${view.t + data.offset}:${view.unit}`;
    if (now === lastSent) return;
    lastSent = now;
    setStateValue("cursor", { t: view.t + data.offset, unit: view.unit });  // a step of the text, not of the window
    if (host.__cv) host.__cv.known = [...host.__cv.known.slice(-8), now];
  };
  // the address bar follows the cursor at once (the server's copy follows on the sync below; a rerun of
  // this page never reads the URL back, so the two cannot fight). Defaults are left out, as the server does.
  let urlTimer = null;
  const writeUrl = () => {
    urlTimer = null;
    if (!data.url) return;
    try {
      const url = new URL(window.location.href);
      const put = (name, value) => {
        if (value === data.url[name]) url.searchParams.delete(name); else url.searchParams.set(name, String(value));
      };
      put("t", view.t + data.offset);
      put("unit", view.unit);
      if (url.href !== window.location.href) window.history.replaceState(window.history.state, "", url.href);
    } catch (e) { /* a sandboxed frame without history: the server's sync still writes it */ }
  };
  const sync = () => {
    if (!urlTimer) urlTimer = setTimeout(writeUrl, 100); // coalesced: play and key repeat stay cheap
    clearTimeout(syncTimer);
    // tell the server where the cursor is (for the URL), once stepping pauses: never on the hot path
    syncTimer = setTimeout(() => { if (!view.playing) report(); }, 800);
  };
  let lastBox = null;
  // the strip shows a few rows of a long window: it scrolls (itself, never the page) to keep the step in sight
  let built = false;  // until the first frame, the strip is not laid out: reading it would force a layout that the
  // frame's own layout repeats after the runs are drawn, so the first frame scrolls it instead
  const inSight = () => {
    if (!built || !lastBox || !strip.clientHeight) return;
    const top = lastBox.offsetTop - strip.offsetTop;
    if (top < strip.scrollTop || top + lastBox.offsetHeight > strip.scrollTop + strip.clientHeight) {
      strip.scrollTop = top - (strip.clientHeight - lastBox.offsetHeight) / 2;
    }
  };
  view.set = (t, unit) => {
    view.t = Math.max(1, Math.min(T, Math.round(t)));
    view.unit = Math.max(0, Math.min(data.H - 1, Math.round(unit)));
    tLabel.textContent = `t = ${view.t + data.offset}`;
    slider.value = view.t;
    if (document.activeElement !== uInput) uInput.value = view.unit;
    if (lastBox) lastBox.classList.remove("cv-ch-now");
    lastBox = boxes[view.t - 1];
    lastBox.classList.add("cv-ch-now");
    inSight();
    for (const r of runs) r.update();
    sync();
  };
  const step = (d) => view.set(view.t + d, view.unit);
  const stop = () => {
    if (view.playing) clearInterval(view.playing);
    view.playing = null;
    bPlay.textContent = "▶ Play";
    bPlay.setAttribute("aria-label", "Play");
    sync();
  };
  const play = () => {
    if (view.playing) return stop();
    if (view.t >= T) view.set(1, view.unit);
    bPlay.textContent = "❚❚ Pause";
    bPlay.setAttribute("aria-label", "Pause");
    view.playing = setInterval(() => (view.t >= T ? stop() : step(1)), 1000 / Number(speed.value));
  };
  bHome.onclick = () => view.set(1, view.unit);
  bPrev.onclick = () => step(-1);
  bNext.onclick = () => step(1);
  bEnd.onclick = () => view.set(T, view.unit);
  bPlay.onclick = play;
  speed.onchange = () => { if (view.playing) { stop(); play(); } };
  slider.oninput = () => view.set(Number(slider.value), view.unit);
  uMinus.onclick = () => view.set(view.t, view.unit - 1);
  uPlus.onclick = () => view.set(view.t, view.unit + 1);
  uInput.onchange = () => {  // an impossible unit (99999, -3, empty) is clamped, and the box shows the unit used
    const u = Number(uInput.value);
    if (Number.isFinite(u) && uInput.value.trim() !== "") view.set(view.t, u);
    uInput.value = view.unit;
  };

  // keyboard: ← → Home End anywhere on the page, unless the user is typing in a field
  const onKey = (e) => {
    const target = e.composedPath ? e.composedPath()[0] : e.target;
    const tag = (target && target.tagName) || "";
    if (tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
    if (tag === "INPUT" && target !== slider) return;
    if (target === slider && (e.key === "ArrowLeft" || e.key === "ArrowRight")) return; // the slider steps itself
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === "ArrowRight") step(1);
    else if (e.key === "ArrowLeft") step(-1);
    else if (e.key === "Home") view.set(1, view.unit);
    else if (e.key === "End") view.set(T, view.unit);
    else if (e.key === "p" || e.key === "P") play();
    else return;
    e.preventDefault();
  };
  if (window.__cvKey) document.removeEventListener("keydown", window.__cvKey);
  window.__cvKey = onKey;
  document.addEventListener("keydown", onKey);

  view.set(view.t, view.unit);
  // the heatmaps are drawn in the frame after the first paint of the bar, diagrams and equations (a canvas
  // costs about a millisecond, so all of them fit one frame)
  const ready = new Promise((resolve) => {
    requestAnimationFrame(() => {
      if (!host.__cv || host.__cv.root !== root) return resolve(false);  // rebuilt meanwhile
      // a long text: the plots' widths first (one layout measures them all), so its canvases are drawn at screen
      // width at once; a short one is drawn a column per step without that layout, and the resize observer's
      // first call (after the layout the page needs anyway, before the paint) narrows it if the plot is narrower
      const long = T > LONG_T;
      const widths = long ? runs.map((r) => r.plots.map((pl) => pl.div.clientWidth)) : null;
      runs.forEach((r, i) => r.plots.forEach((pl, j) => r.drawPlot(pl, long ? widths[i][j] : 0)));
      // the cursor overlays are placed by the resize observer's first call, which every newly observed canvas
      // gets after this frame's layout and before its paint: placing them here would force a second layout
      built = true;
      inSight();
      root.dataset.ready = "1";
      resolve(true);
    });
  });

  host.__cv = {
    key: data.key, view, runs, ready, root, offset: data.offset,
    known: [...(keep ? prev.known.slice(-8) : []), serverCursor],
    destroy: () => {
      stop();
      clearTimeout(syncTimer);
      clearTimeout(urlTimer);
      document.removeEventListener("keydown", onKey);
      if (window.__cvKey === onKey) window.__cvKey = null;
      view.resized.disconnect();
      root.remove();
      host.__cv = null;
    },
  };
  if (keep && `${view.t + data.offset}:${view.unit}` !== serverCursor) report();  // the server is behind
  return () => { if (host.__cv && host.__cv.key === data.key) host.__cv.destroy(); };
}
