// net.js: the network drawing — one column per layer (inputs, hidden layers, output),
// a small heat map per unit, edges whose width and colour are the weights, the + / −
// controls of each hidden layer, and the hit testing for hover and clicks on edges.

import { ACTIVATIONS, FEATURES } from "./config.js";
import { paintMap, outputScale, colour, css, fitCanvas } from "./plots.js";

const TOP = 86; // room for the column headers
const BOTTOM = 46; // room for the dropout controls
const fmt = (v) => (Number.isFinite(v) ? (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3)) : String(v));

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export class NetView {
  /**
   * root: the element to draw in; cb: {addUnit(i), removeUnit(i), activation(i, name),
   * dropout(i, {rate, scaling}), unit(L, J), edge(L, J, K)} where i is the hidden layer
   * index (0-based) and L the protocol's layer number (1 = first hidden, last = output).
   */
  constructor(root, cb) {
    this.root = root;
    this.cb = cb;
    this.state = null;
    this.frame = null;
    this.cfg = null;
    this.selected = null; // {L, J, K}
    this.walk = null; // {L, J, phase}
    this.canvas = el("canvas", "edges");
    this.tip = el("div", "tip hidden");
    root.append(this.canvas, this.tip);
    this.nodes = []; // per column: [{el, canvas, x, y, s}]
    this.edges = []; // flat list of {L, j, k, x0, y0, x1, y1}
    root.addEventListener("mousemove", (e) => this.hover(e));
    root.addEventListener("mouseleave", () => this.tip.classList.add("hidden"));
    this.canvas.addEventListener("click", (e) => this.clickEdge(e));
    new ResizeObserver(() => this.layout()).observe(root);
  }

  /** Sizes of all columns: features, hidden units, outputs (the server's "layers"). */
  sizes() {
    if (this.state && Array.isArray(this.state.layers)) return this.state.layers;
    return [this.cfg.features.length, ...this.cfg.hidden.map((h) => h.units), 1];
  }

  /** Rebuild the columns for a configuration (and the server's state when known). */
  build(cfg, state) {
    this.cfg = cfg;
    this.state = state;
    this.root.querySelectorAll(".col-head, .col-foot, .node").forEach((e) => e.remove());
    const sizes = this.sizes();
    const nHidden = sizes.length - 2;
    this.heads = [];
    this.nodes = sizes.map(() => []);
    // Column headers: inputs, each hidden layer with its controls, the output.
    for (let c = 0; c < sizes.length; c++) {
      const head = el("div", "col-head");
      const foot = el("div", "col-foot");
      if (c === 0) {
        head.append(el("div", "col-title", "inputs"), el("div", "col-sub", `${sizes[0]} features`));
      } else if (c === sizes.length - 1) {
        const act = state ? `${state.output_activation}` : "";
        const loss = state ? `${state.loss}` : "";
        head.append(el("div", "col-title", "output"), el("div", "col-sub out-kind", act && `${act} + ${loss}`));
      } else {
        const i = c - 1;
        const row = el("div", "units-row");
        const minus = el("button", "mini", "−");
        minus.title = "remove a unit";
        minus.dataset.test = `remove-unit-${i}`;
        minus.onclick = () => this.cb.removeUnit(i);
        const plus = el("button", "mini", "+");
        plus.title = "add a unit";
        plus.dataset.test = `add-unit-${i}`;
        plus.onclick = () => this.cb.addUnit(i);
        row.append(minus, el("span", "count", String(sizes[c])), plus);
        const sel = el("select", "act");
        sel.title = "activation of this layer";
        sel.dataset.test = `activation-${i}`;
        for (const a of ACTIVATIONS) sel.append(new Option(a, a));
        sel.value = cfg.hidden[i] ? cfg.hidden[i].activation : (state && state.activations[i]) || "tanh";
        sel.onchange = () => this.cb.activation(i, sel.value);
        head.append(el("div", "col-title", `layer ${c}`), row, sel);
        // Dropout of this layer: rate and scaling.
        const d = cfg.dropout[i] || { rate: 0, scaling: "inverted" };
        const rate = el("input", "drop");
        Object.assign(rate, { type: "number", min: 0, max: 0.9, step: 0.05, value: d.rate, title: "dropout rate" });
        const scaling = el("select", "drop");
        scaling.title = "dropout scaling";
        scaling.append(new Option("inverted", "inverted"), new Option("standard", "standard"));
        scaling.value = d.scaling;
        const send = () => this.cb.dropout(i, { rate: Number(rate.value), scaling: scaling.value });
        rate.onchange = send;
        scaling.onchange = send;
        foot.append(el("span", "drop-label", "drop"), rate, scaling);
      }
      this.root.append(head, foot);
      this.heads.push({ head, foot });
      // Units.
      for (let j = 0; j < sizes[c]; j++) {
        const node = el("div", c === 0 ? "node input" : "node");
        node.dataset.layer = String(c);
        node.dataset.unit = String(j);
        if (c === 0) {
          const feats = FEATURES.filter((f) => cfg.features.includes(f.key));
          const name = state && state.features ? state.features[j] : feats[j] && feats[j].key;
          const f = FEATURES.find((ff) => ff.key === name);
          node.append(el("span", "feat", f ? f.label : name || `x${j + 1}`));
        } else {
          const cv = el("canvas");
          node.append(cv);
          node.onclick = () => this.cb.unit(c, j);
          node.title = `layer ${c}, unit ${j + 1}: click for its glass box`;
        }
        this.root.append(node);
        this.nodes[c].push({ el: node, canvas: node.querySelector("canvas") });
      }
    }
    void nHidden;
    this.layout();
  }

  /** Place columns and nodes for the current size of the drawing area. */
  layout() {
    if (!this.cfg) return;
    const W = this.root.clientWidth;
    const H = this.root.clientHeight;
    const cols = this.nodes.length;
    const margin = Math.min(60, W / (2 * cols));
    const gapX = (W - 2 * margin) / Math.max(1, cols - 1);
    const avail = H - TOP - BOTTOM;
    this.canvas.style.top = "0px";
    this.canvas.style.left = "0px";
    this.canvas.style.width = `${W}px`;
    this.canvas.style.height = `${H}px`;
    for (let c = 0; c < cols; c++) {
      const x = margin + c * gapX;
      const n = this.nodes[c].length;
      // Wide layers are drawn compactly: the unit size shrinks to fit the column.
      const s = Math.max(7, Math.min(40, Math.floor(avail / n) - 4, gapX * 0.55));
      const step = Math.min(s + 10, avail / n);
      const y0 = TOP + (avail - step * n) / 2 + (step - s) / 2;
      const { head, foot } = this.heads[c];
      const hw = Math.min(96, gapX - 4);
      Object.assign(head.style, { left: `${x - hw / 2}px`, width: `${hw}px` });
      Object.assign(foot.style, { left: `${x - hw / 2}px`, width: `${hw}px`, top: `${H - BOTTOM + 6}px` });
      this.nodes[c].forEach((nd, j) => {
        nd.x = x;
        nd.y = y0 + j * step + s / 2;
        nd.s = s;
        Object.assign(nd.el.style, { left: `${x - s / 2}px`, top: `${nd.y - s / 2}px`, width: `${s}px`, height: `${s}px` });
        nd.el.classList.toggle("tiny", s < 16);
      });
    }
    this.draw();
  }

  /** New numbers from the server: repaint unit maps and edges. */
  update(frame) {
    this.frame = frame;
    this.draw();
  }

  draw() {
    this.paintUnits();
    this.drawEdges();
    this.mark();
  }

  paintUnits() {
    const f = this.frame;
    if (!f) return;
    const last = this.nodes.length - 1;
    for (let c = 1; c <= last; c++) {
      this.nodes[c].forEach((nd, j) => {
        const cv = nd.canvas;
        if (!cv) return;
        const maps = c === last ? [f.output] : f.units[c - 1];
        const m = maps && maps[j];
        if (!m || m.length !== f.grid * f.grid) return;
        const px = Math.max(8, Math.round(nd.s));
        if (cv.width !== px) {
          cv.width = px;
          cv.height = px;
        }
        const toT = c === last ? outputScale(this.state && this.state.task) : (v) => v;
        paintMap(cv.getContext("2d"), m, f.grid, toT, 0, 0, px, px);
      });
    }
  }

  drawEdges() {
    const dpr = fitCanvas(this.canvas);
    const ctx = this.canvas.getContext("2d");
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.edges = [];
    const f = this.frame;
    let wmax = 1;
    if (f) for (const w of f.weights) for (const v of w) if (Math.abs(v) > wmax) wmax = Math.abs(v);
    for (let L = 1; L < this.nodes.length; L++) {
      const from = this.nodes[L - 1];
      const to = this.nodes[L];
      const W = f && f.weights[L - 1];
      const many = from.length * to.length > 150;
      for (let j = 0; j < to.length; j++) {
        for (let k = 0; k < from.length; k++) {
          const a = from[k];
          const b = to[j];
          const e = { L, j, k, x0: a.x + a.s / 2, y0: a.y, x1: b.x - b.s / 2, y1: b.y };
          this.edges.push(e);
          const w = W && W.length === from.length * to.length ? W[j * from.length + k] : 0;
          const u = Math.min(1, Math.abs(w) / wmax);
          const sel = this.selected && this.selected.K === k && this.selected.L === L && this.selected.J === j;
          const walk = this.walkEdge(L, j, k);
          ctx.beginPath();
          ctx.moveTo(e.x0 * dpr, e.y0 * dpr);
          ctx.lineTo(e.x1 * dpr, e.y1 * dpr);
          ctx.lineWidth = (sel ? 4 : walk ? 3 : (many ? 0.3 : 0.6) + (many ? 2.2 : 5) * u) * dpr;
          ctx.strokeStyle = sel
            ? "#111"
            : walk || css(colour(w >= 0 ? 0.25 + 0.75 * u : -0.25 - 0.75 * u), (many ? 0.25 : 0.45) + 0.5 * u);
          ctx.stroke();
        }
      }
    }
  }

  /**
   * Colour of an edge the step-by-step mode uses now, or null: the forward pass of unit J
   * of layer L reads its incoming weights; its backward pass reads the weights to layer L+1.
   */
  walkEdge(L, j, k) {
    const w = this.walk;
    if (!w) return null;
    if (w.phase === "backward") return L === w.L + 1 && k === w.J ? "rgba(179,38,30,0.85)" : null;
    return L === w.L && j === w.J ? "rgba(29,154,85,0.9)" : null;
  }

  /** Outline the selected unit and the unit the step-by-step mode is computing. */
  mark() {
    this.root.querySelectorAll(".node.selected, .node.walking, .node.backward").forEach((n) => {
      n.classList.remove("selected", "walking", "backward");
    });
    const at = (L, J) => this.nodes[L] && this.nodes[L][J] && this.nodes[L][J].el;
    if (this.selected && this.selected.K === null) {
      const n = at(this.selected.L, this.selected.J);
      if (n) n.classList.add("selected");
    }
    if (this.walk) {
      const n = at(this.walk.L, this.walk.J);
      if (n) n.classList.add("walking", this.walk.phase === "backward" ? "backward" : "forward");
    }
  }

  select(sel) {
    this.selected = sel;
    this.draw();
  }

  setWalk(w) {
    this.walk = w;
    this.draw();
  }

  /** The edge nearest to a mouse position (CSS pixels in root), within 5 px. */
  edgeAt(e) {
    const r = this.root.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    let best = null;
    let bestD = 25;
    for (const ed of this.edges) {
      const dx = ed.x1 - ed.x0;
      const dy = ed.y1 - ed.y0;
      const t = Math.max(0, Math.min(1, ((x - ed.x0) * dx + (y - ed.y0) * dy) / (dx * dx + dy * dy || 1)));
      const ex = ed.x0 + t * dx - x;
      const ey = ed.y0 + t * dy - y;
      const d = ex * ex + ey * ey;
      if (d < bestD) {
        bestD = d;
        best = ed;
      }
    }
    return best ? { ...best, x, y } : null;
  }

  hover(e) {
    if (e.target.closest(".col-head, .col-foot")) {
      this.tip.classList.add("hidden");
      return;
    }
    const node = e.target.closest(".node");
    const f = this.frame;
    if (node && f && node.dataset.layer !== "0") {
      const L = Number(node.dataset.layer);
      const J = Number(node.dataset.unit);
      const b = f.biases[L - 1];
      this.showTip(e, `layer ${L}, unit ${J + 1}<br>b = ${fmt(b ? b[J] : NaN)}<br><i>click: glass box</i>`);
      return;
    }
    const ed = this.edgeAt(e);
    this.canvas.style.cursor = ed ? "pointer" : "default";
    if (!ed || !f) {
      this.tip.classList.add("hidden");
      return;
    }
    const fanIn = this.nodes[ed.L - 1].length;
    const w = f.weights[ed.L - 1] ? f.weights[ed.L - 1][ed.j * fanIn + ed.k] : NaN;
    const g = f.grads[ed.L - 1] ? f.grads[ed.L - 1][ed.j * fanIn + ed.k] : NaN;
    this.showTip(
      e,
      `w<sup>${ed.L}</sup><sub>${ed.j + 1},${ed.k + 1}</sub> = ${fmt(w)}<br>∂C/∂w = ${fmt(g)}`,
    );
  }

  showTip(e, html) {
    const r = this.root.getBoundingClientRect();
    this.tip.innerHTML = html;
    this.tip.classList.remove("hidden");
    this.tip.style.left = `${e.clientX - r.left + 14}px`;
    this.tip.style.top = `${e.clientY - r.top + 10}px`;
  }

  clickEdge(e) {
    const ed = this.edgeAt(e);
    if (ed) this.cb.edge(ed.L, ed.j, ed.k);
  }
}
