// panel.js: the glass-box side panel. It shows what the server rendered with
// glassnet.explain for the clicked unit or weight (formula → numbers → result) and the
// engine's values, and the step-by-step walk through one sample's forward and backward pass.

const fmt = (v) => {
  if (typeof v !== "number") return String(v);
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? v.toPrecision(6).replace(/\.?0+$/, "") : v.toExponential(4);
};

function fmtValue(v) {
  if (Array.isArray(v)) return "[" + v.map(fmtValue).join(", ") + "]";
  if (v && typeof v === "object") {
    return Object.entries(v).map(([k, x]) => `${k}: ${fmtValue(x)}`).join("; ");
  }
  return fmt(v);
}

// shown as large figures at the top of the panel
const KEY = ["z", "a", "delta", "dC_db"];

const LABELS = {
  z: "z (weighted input)",
  a: "a (activation)",
  delta: "δ = ∂C/∂z",
  dC_dw: "∂C/∂w (incoming weights)",
  dC_db: "∂C/∂b",
  grad_a: "∂C/∂a",
  fprime: "f′(z)",
  weights: "incoming weights w",
  bias: "bias b",
  optimizer_state_bias: "optimizer state of b",
  next_update_bias: "next update Δb",
  weight: "clicked weight",
  loss: "loss C",
  lr: "learning rate η",
  optimizer_state: "optimizer state",
  next_update: "next update Δw",
};

export class Panel {
  /** root: the aside element; cb: {close(), walkTo(i), walkMode(on)} */
  constructor(root, cb) {
    this.root = root;
    this.cb = cb;
    this.title = root.querySelector(".gb-title");
    this.sub = root.querySelector(".gb-sub");
    this.values = root.querySelector(".gb-values");
    this.key = root.querySelector(".gb-key");
    this.more = root.querySelector(".gb-more");
    this.html = root.querySelector(".gb-html");
    this.walkBar = root.querySelector(".gb-walk");
    this.walkInfo = root.querySelector(".walk-info");
    root.querySelector(".gb-close").onclick = () => cb.close();
    root.querySelector(".walk-prev").onclick = () => cb.walkTo(this.walkIndex - 1);
    root.querySelector(".walk-next").onclick = () => cb.walkTo(this.walkIndex + 1);
    this.walkIndex = 0;
    this.walkCount = 0;
  }

  open() {
    if (this.isOpen) return;
    this.root.classList.add("open");
    document.body.classList.add("gb-open");
    window.dispatchEvent(new Event("resize"));
  }

  close() {
    this.root.classList.remove("open");
    document.body.classList.remove("gb-open");
    window.dispatchEvent(new Event("resize"));
  }

  get isOpen() {
    return this.root.classList.contains("open");
  }

  waiting(text) {
    this.open();
    this.sub.textContent = text;
  }

  /** Show an "inspect" reply. */
  showInspect(msg) {
    this.open();
    this.walkBar.classList.add("hidden");
    const where = msg.weight === null || msg.weight === undefined
      ? `layer ${msg.layer}, unit ${msg.unit + 1}`
      : `weight w${msg.layer}[${msg.unit + 1},${msg.weight + 1}]`;
    this.title.textContent = `Glass box: ${where}`;
    this.sub.textContent = msg.sample === null || msg.sample === undefined
      ? "averaged over the current minibatch (click a training point to pick one sample)"
      : `for training sample #${msg.sample}`;
    // The headline numbers first, then the worked solution, then every other value.
    const vals = msg.values || {};
    this.key.replaceChildren();
    for (const k of KEY) {
      if (!(k in vals)) continue;
      const box = document.createElement("div");
      box.className = "kv";
      const name = document.createElement("div");
      name.className = "kv-name";
      name.textContent = LABELS[k] || k;
      const value = document.createElement("div");
      value.className = "kv-value";
      value.textContent = fmtValue(vals[k]);
      value.dataset.key = k;
      box.append(name, value);
      this.key.append(box);
    }
    this.values.replaceChildren();
    for (const [k, v] of Object.entries(vals)) {
      if (KEY.includes(k)) continue;
      const row = document.createElement("tr");
      const th = document.createElement("th");
      th.textContent = LABELS[k] || k;
      const td = document.createElement("td");
      td.textContent = fmtValue(v);
      td.dataset.key = k;
      row.append(th, td);
      this.values.append(row);
    }
    this.more.classList.toggle("hidden", !this.values.children.length);
    // The server's markup (HTML-safe, rendered from glassnet.explain).
    this.html.innerHTML = msg.html || "";
  }

  /** Show a "walk" reply. */
  showWalk(msg) {
    this.open();
    this.walkIndex = msg.index;
    this.walkCount = msg.count;
    this.walkBar.classList.remove("hidden");
    this.title.textContent = "Step by step";
    const phase = msg.phase === "backward" ? "backward pass" : "forward pass";
    this.sub.textContent = `${phase}: layer ${msg.layer}, unit ${msg.unit + 1}`;
    this.walkInfo.textContent = `step ${msg.index + 1} of ${msg.count}`;
    this.root.querySelector(".walk-prev").disabled = msg.index <= 0;
    this.root.querySelector(".walk-next").disabled = msg.index >= msg.count - 1;
    this.values.replaceChildren();
    this.key.replaceChildren();
    this.more.classList.add("hidden");
    this.html.innerHTML = msg.html || "";
  }
}
