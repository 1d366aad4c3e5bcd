// The Cell Explorer's stepping view: heatmaps, live cell diagrams, equations with numbers and the
// top-k predictions of every run, under one time cursor that moves with no server round trip.
//
// Everything a step needs was sent once (explorer/payload.py). Moving the cursor only moves CSS
// overlays and rewrites a few dozen text nodes; the heatmaps are drawn once. User text is only ever
// written with textContent (plotly gets an HTML-escaped copy), never as HTML.

const FMT = (v) => (Math.abs(v) < 0.005 ? 0 : v).toFixed(2).replace("-", "−");
const PAREN = (v) => (v < -0.005 ? "(" + FMT(v) + ")" : FMT(v));

function decode(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

function loadPlotly(src) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__cvPlotly) {
    window.__cvPlotly = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = src;
      s.onload = () => resolve(window.Plotly);
      s.onerror = () => reject(new Error("could not load plotly.js from " + src));
      document.head.appendChild(s);
    });
  }
  return window.__cvPlotly;
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

// wire kinds decide the colour scale; 'c' wires use the cell-state panel's printed range
const WIRE_KIND = {
  f: "gate", i: "gate", o: "gate", r: "gate", z: "gate", one_minus_z: "gate",
  g: "tanh", h: "tanh", h_prev: "tanh", tanh_c: "tanh", n: "tanh", nz: "tanh", z_h: "tanh", r_b: "wide",
  c: "wide", c_prev: "wide", f_c: "wide", i_g: "tanh", a_n: "wide", b_n: "wide", a: "wide",
};

const WIRE_LABEL = {
  c_prev: "c_{t−1}", f: "f", f_c: "f·c_{t−1}", i: "i", g: "g", i_g: "i·g", c: "c_t", tanh_c: "tanh c",
  o: "o", h: "h_t", h_prev: "h_{t−1}", r: "r", z: "z", one_minus_z: "1−z", a_n: "W_in x+b", b_n: "W_hn h+b",
  r_b: "r·(W_hn h+b)", n: "n", z_h: "z·h_{t−1}", nz: "(1−z)·n", a: "W_ih x+W_hh h+b",
};

// ------------------------------------------------------------------------------------------------
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
    texts: [[36, 20, "cell state: the highway"], [300, 326, "[h_{t−1}; x_t] → every gate"]],
  },
  gru: {
    wires: [
      ["h_prev", "M 30 60 L 182 60 M 30 300 L 600 300 M 200 300 L 200 268 M 330 300 L 330 268", 36, 46, "start"],
      ["z", "M 200 232 L 200 78 M 200 150 L 282 150", 210, 205, "start"],
      ["z_h", "M 218 60 L 402 60", 310, 46, "middle"],
      ["one_minus_z", "M 318 150 L 402 150", 360, 138, "middle"],
      ["r", "M 362 250 L 432 250", 397, 238, "middle"],
      ["b_n", "M 450 300 L 450 268", 458, 290, "start"],
      ["r_b", "M 468 250 L 540 250", 500, 218, "middle"],  // above the r label: the wire is short
      ["a_n", "M 600 300 L 600 268", 712, 326, "end"],  // under the bus: right of the wire there is no room
      ["n", "M 580 232 L 580 150 L 438 150", 590, 205, "start"],
      ["nz", "M 420 132 L 420 78", 430, 112, "start"],
      ["h", "M 438 60 L 710 60", 570, 46, "middle"],
    ],
    nodes: [["op", 200, 60, "×"], ["op", 420, 60, "+"], ["op", 300, 150, "1−"], ["op", 420, 150, "×"],
            ["op", 450, 250, "×"], ["gate", 200, 250, "σ  z"], ["gate", 330, 250, "σ  r"], ["gate", 580, 250, "tanh  n"]],
    texts: [[36, 20, "hidden state: the only state"], [36, 326, "[h_{t−1}; x_t] → gates"]],
  },
  rnn: {
    wires: [
      ["h_prev", "M 30 300 L 360 300 L 360 268", 36, 326, "start"],
      ["a", "M 360 232 L 360 200", 398, 216, "start"],
      ["h", "M 360 164 L 360 120 L 710 120", 540, 106, "middle"],
    ],
    nodes: [["gate", 360, 182, "tanh"], ["gate", 360, 250, "W_ih x + W_hh h + b"]],
    texts: [[36, 20, "one state, rewritten at every step"], [300, 326, "[h_{t−1}; x_t]"]],
  },
};

// equations: strings (static, trusted) and {w: wire} slots filled with numbers
const EQUATIONS = {
  lstm: [
    ["i_t = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi) = ", { w: "i" }],
    ["f_t = σ(W_if x_t + b_if + W_hf h_{t−1} + b_hf) = ", { w: "f" }],
    ["g_t = tanh(W_ig x_t + b_ig + W_hg h_{t−1} + b_hg) = ", { w: "g" }],
    ["o_t = σ(W_io x_t + b_io + W_ho h_{t−1} + b_ho) = ", { w: "o" }],
    ["c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t = ", { w: "f" }, " × ", { w: "c_prev", p: 1 }, " + ", { w: "i" }, " × ",
     { w: "g", p: 1 }, " = ", { w: "c" }],
    ["h_t = o_t ⊙ tanh(c_t) = ", { w: "o" }, " × tanh(", { w: "c" }, ") = ", { w: "h" }],
  ],
  gru: [
    ["r_t = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr) = ", { w: "r" }],
    ["z_t = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz) = ", { w: "z" }, "   (share of h_{t−1} kept)"],
    ["n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn)) = tanh(", { w: "a_n" }, " + ", { w: "r" }, " × ",
     { w: "b_n", p: 1 }, ") = ", { w: "n" }],
    ["h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1} = ", { w: "one_minus_z" }, " × ", { w: "n", p: 1 }, " + ", { w: "z" },
     " × ", { w: "h_prev", p: 1 }, " = ", { w: "h" }],
  ],
  rnn: [
    ["h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh) = tanh(", { w: "a" }, ") = ", { w: "h" }],
  ],
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
function buildRun(view, run, data) {
  const T = data.T, H = run.hidden;
  const arrays = {};
  for (const p of run.panels) arrays[p.name] = decode(p.b64);
  for (const [k, v] of Object.entries(run.aux)) arrays[k] = decode(v);
  const cRange = (run.panels.find((p) => p.name === "c") || { zmax: 1 }).zmax;
  const at = (name, t, u) => arrays[name][u * T + (t - 1)];

  // every wire at step t (1-based), unit u: the same formulas as explorer/diagram.py
  function wires(t, u) {
    const hp = t > 1 ? at("h", t - 1, u) : run.h0[u];
    const hv = at("h", t, u);
    if (run.arch === "lstm") {
      const cp = t > 1 ? at("c", t - 1, u) : run.c0[u];
      const i = at("i", t, u), f = at("f", t, u), g = at("g", t, u), o = at("o", t, u), c = at("c", t, u);
      return { c_prev: cp, f, f_c: f * cp, i, g, i_g: i * g, c, tanh_c: Math.tanh(c), o, h: hv, h_prev: hp };
    }
    if (run.arch === "gru") {
      const r = at("r", t, u), z = at("z", t, u), n = at("n", t, u), a_n = at("a_n", t, u), b_n = at("b_n", t, u);
      return { h_prev: hp, r, z, one_minus_z: 1 - z, a_n, b_n, r_b: r * b_n, n, z_h: z * hp, nz: (1 - z) * n, h: hv };
    }
    return { h_prev: hp, a: at("a", t, u), h: hv };
  }

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
  body.appendChild(side);
  body.appendChild(maps);

  // --- diagram
  const dia = el("div", "cv-dia");
  const info = el("div", "cv-info");
  side.append(dia, info);
  const dtitle = el("div", "cv-sub");
  dia.appendChild(dtitle);
  const spec = DIAGRAMS[run.arch];
  const box = svg("svg", { viewBox: "0 0 720 340", class: "cv-diagram", role: "img",
                           "aria-label": run.arch.toUpperCase() + " cell diagram with live values" });
  dia.appendChild(box);
  const wireEls = {};
  for (const [name, d, lx, ly, anchor] of spec.wires) {
    const g = svg("g", { class: "cv-wire", "data-wire": name }, box);
    svg("path", { d, class: "cv-wire-under" }, g);
    const path = svg("path", { d, class: "cv-wire-top" }, g);
    const label = svg("text", { x: lx, y: ly, class: "cv-wire-label", "text-anchor": anchor }, g);
    svgMath(label, WIRE_LABEL[name] + " = ");
    const value = svg("tspan", { class: "cv-wire-value" }, label);
    wireEls[name] = { g, path, label, value };
  }
  for (const [kind, x, y, text] of spec.nodes) {
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
  for (const [x, y, text] of spec.texts) svgMath(svg("text", { x, y, class: "cv-diagram-caption" }, box), text);

  // --- equations
  info.appendChild(el("div", "cv-sub", "The equations at this step, for the selected unit"));
  const eqs = el("div", "cv-eqs");
  info.appendChild(eqs);
  const slots = [];
  for (const line of EQUATIONS[run.arch]) {
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

  // hover a wire or a number: highlight both
  const highlight = (name, on) => {
    sec.querySelectorAll(`[data-wire="${name}"]`).forEach((e) => e.classList.toggle("cv-hl", on));
  };
  sec.querySelectorAll("[data-wire]").forEach((e) => {
    e.addEventListener("mouseenter", () => highlight(e.dataset.wire, true));
    e.addEventListener("mouseleave", () => highlight(e.dataset.wire, false));
  });

  // --- top-k
  const ktitle = el("div", "cv-sub");
  info.appendChild(ktitle);
  const topk = el("div", "cv-topk");
  info.appendChild(topk);
  const K = run.topk.chars[0].length;
  const krows = [];
  for (let j = 0; j < K; j++) {
    const row = el("div", "cv-k");
    const ch = el("span", "cv-k-char");
    const bar = el("span", "cv-k-bar");
    const fill = el("span", "cv-k-fill");
    bar.appendChild(fill);
    const pct = el("span", "cv-k-pct");
    row.append(ch, bar, pct);
    topk.appendChild(row);
    krows.push({ row, ch, fill, pct });
  }

  // --- heatmaps
  const plots = [];
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
    const col = el("div", "cv-cursor");
    const row = el("div", "cv-unit");
    holder.append(div, col, row);
    fig.appendChild(holder);
    maps.appendChild(fig);
    plots.push({ p, div, col, row, geom: null });
  }

  function place(pl) {
    const gd = pl.div;
    if (!gd._fullLayout || !gd._fullLayout.xaxis) return;
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    pl.geom = { x0: xa._offset, dx: xa._length / T, y0: ya._offset, dy: ya._length / H, w: xa._length, h: ya._length };
    move(pl);
  }
  function move(pl) {
    const g = pl.geom;
    if (!g) return;
    const t = view.t, u = view.unit;
    pl.col.style.cssText = `left:${g.x0 + (t - 1) * g.dx}px;top:${g.y0}px;width:${Math.max(g.dx, 2)}px;height:${g.h}px`;
    pl.row.style.cssText = `left:${g.x0}px;top:${g.y0 + u * g.dy}px;width:${g.w}px;height:${Math.max(g.dy, 2)}px`;
  }

  function draw(Plotly) {
    const xs = Array.from({ length: T }, (_, k) => k + 1);
    const ys = Array.from({ length: H }, (_, u) => u);
    const every = Math.max(1, Math.ceil(T / (data.presenter ? 40 : 70)));
    const tickvals = xs.filter((x) => (x - 1) % every === 0);
    const ticktext = tickvals.map((x) => data.plabels[x - 1]);
    const pairs = data.plabels.map((lab, k) => [k + 1 + data.offset, lab]);  // hover: step number and character
    const custom = ys.map(() => pairs);
    const height = Math.max(150, Math.min(340, 70 + 2.2 * H)) * (data.presenter ? 1.25 : 1);
    for (const pl of plots) {
      const arr = arrays[pl.p.name];
      const z = ys.map((u) => arr.subarray(u * T, (u + 1) * T));
      const trace = {
        type: "heatmap", z, x: xs, y: ys, zmin: pl.p.zmin, zmax: pl.p.zmax, colorscale: pl.p.colorscale,
        customdata: custom, colorbar: { thickness: 10, len: 0.95, outlinewidth: 0 },
        hovertemplate: `t=%{customdata[0]} '%{customdata[1]}' · unit %{y} · ${pl.p.name}=%{z:.2f}<extra></extra>`,
      };
      const layout = {
        height, margin: { l: 44, r: 8, t: 4, b: 34 }, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
        font: { size: data.presenter ? 16 : 12, color: view.textColor },
        xaxis: { tickvals, ticktext, range: [0.5, T + 0.5], fixedrange: true, tickangle: 0, automargin: true },
        yaxis: { autorange: "reversed", fixedrange: true, title: { text: "unit", standoff: 4 } },
      };
      const config = { displaylogo: false, responsive: true,
                       modeBarButtonsToRemove: ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d", "resetScale2d"],
                       toImageButtonOptions: { filename: `${run.id}-${pl.p.name}`, scale: 2 } };
      Plotly.newPlot(pl.div, [trace], layout, config).then(() => place(pl));
      pl.div.on("plotly_afterplot", () => place(pl));
      pl.div.on("plotly_click", (ev) => {
        const pt = ev.points && ev.points[0];
        if (pt) view.set(pt.x, pt.y);
      });
    }
  }

  function update() {
    const t = view.t, u = view.unit;
    const w = wires(t, u);
    dtitle.textContent = `The cell at t = ${t}, unit ${u} (hover a wire to find its term)`;
    for (const [name, { path, value }] of Object.entries(wireEls)) {
      const v = w[name];
      const kind = WIRE_KIND[name];
      const lut = kind === "gate" ? data.luts.Cividis : data.luts.RdBu_r;
      const lo = kind === "gate" ? 0 : kind === "wide" ? -cRange : -1;
      const hi = kind === "gate" ? 1 : kind === "wide" ? cRange : 1;
      path.setAttribute("stroke", colour(lut, v, lo, hi));
      value.textContent = FMT(v);
      value.setAttribute("data-value", String(v));
    }
    for (const [s, name, p] of slots) s.textContent = p ? PAREN(w[name]) : FMT(w[name]);
    const next = t < T ? data.labels[t] : null;
    ktitle.textContent = `After reading ${data.labels[t - 1] === undefined ? "?" : "'" + data.labels[t - 1] + "'"} (t = ${t}), the model predicts` +
      (next !== null ? ` — the text continues with '${next}'` : "");
    const chars = run.topk.chars[t - 1], probs = run.topk.probs[t - 1];
    krows.forEach((r, j) => {
      r.ch.textContent = chars[j];
      r.fill.style.width = (100 * probs[j]).toFixed(1) + "%";
      r.pct.textContent = (100 * probs[j]).toFixed(1) + "%";
      r.row.classList.toggle("cv-k-true", next !== null && chars[j] === next);
    });
    for (const pl of plots) move(pl);
  }

  return { sec, draw, update, wires, plots };
}

// ------------------------------------------------------------------------------------------------
export default function (component) {
  const { data, parentElement, setStateValue } = component;
  if (!data) return;
  const host = parentElement;
  if (host.__cv && host.__cv.key === data.key) return; // same data: keep the view (and its cursor) as is
  if (host.__cv) host.__cv.destroy();

  const T = data.T;
  const root = el("div", "cv-root" + (data.presenter ? " cv-presenter" : ""));
  host.appendChild(root);
  const view = { t: data.t, unit: data.unit, playing: null, textColor: getComputedStyle(host).color || "#222" };

  // --- toolbar
  const bar = el("div", "cv-bar");
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", "Time cursor");
  const btn = (label, text, title) => {
    const b = el("button", "cv-btn", text);
    b.type = "button";
    b.setAttribute("aria-label", label);
    b.title = title;
    bar.appendChild(b);
    return b;
  };
  const bHome = btn("First step", "|◀", "First step (Home)");
  const bPrev = btn("Previous step", "◀ Prev", "Previous step (←)");
  const bNext = btn("Next step", "Next ▶", "Next step (→)");
  const bEnd = btn("Last step", "▶|", "Last step (End)");
  const bPlay = btn("Play", "▶ Play", "Play / pause (P)");
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

  const grid = el("div", `cv-runs cv-n${Math.min(data.runs.length, 3)}`);
  root.appendChild(grid);
  const runs = data.runs.map((r) => buildRun(view, r, data));
  runs.forEach((r) => grid.appendChild(r.sec));

  // --- the cursor
  let syncTimer = null;
  const sync = () => {
    clearTimeout(syncTimer);
    // tell the server where the cursor is (for the URL), once stepping pauses: never on the hot path
    syncTimer = setTimeout(() => { if (!view.playing) setStateValue("cursor", { t: view.t, unit: view.unit }); }, 800);
  };
  let lastBox = null;
  view.set = (t, unit) => {
    view.t = Math.max(1, Math.min(T, Math.round(t)));
    view.unit = Math.max(0, Math.min(data.H - 1, Math.round(unit)));
    tLabel.textContent = `t = ${view.t + data.offset}`;
    slider.value = view.t;
    if (document.activeElement !== uInput) uInput.value = view.unit;
    if (lastBox) lastBox.classList.remove("cv-ch-now");
    lastBox = boxes[view.t - 1];
    lastBox.classList.add("cv-ch-now");
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
  uInput.onchange = () => view.set(view.t, Number(uInput.value));

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
  const ready = loadPlotly(data.plotly_src).then((Plotly) => {
    runs.forEach((r) => r.draw(Plotly));
    root.dataset.ready = "1";
  }).catch((err) => {
    const msg = el("div", "cv-error", "The heatmaps could not be drawn: " + err.message);
    root.insertBefore(msg, grid);
  });

  host.__cv = {
    key: data.key, view, runs, ready,
    destroy: () => {
      stop();
      clearTimeout(syncTimer);
      document.removeEventListener("keydown", onKey);
      if (window.__cvKey === onKey) window.__cvKey = null;
      if (window.Plotly) root.querySelectorAll(".cv-plot").forEach((d) => window.Plotly.purge(d));
      root.remove();
      host.__cv = null;
    },
  };
  return () => { if (host.__cv && host.__cv.key === data.key) host.__cv.destroy(); };
}
