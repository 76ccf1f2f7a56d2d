// controls.js: the data, feature and training forms. They edit the configuration object
// and report each change; the server validates every value and answers errors in the page.

import { DATASETS, FEATURES, OPTIMIZERS, SCHEDULES, setOptimizer, setSchedule } from "./config.js";

const $ = (id) => document.getElementById(id);

/** Number from an input, or the raw text when it is not a number (the server says why). */
function num(input) {
  const v = input.value.trim();
  const n = Number(v);
  return v !== "" && Number.isFinite(n) ? n : v;
}

export class Controls {
  /** cfg: the shared configuration; changed(): called after each edit. */
  constructor(cfg, changed, upload) {
    this.cfg = cfg;
    this.changed = changed;
    for (const d of DATASETS) $("dataset").append(new Option(d, d));
    $("dataset").append(new Option("uploaded CSV", "upload"));
    for (const [k, o] of Object.entries(OPTIMIZERS)) $("optimizer").append(new Option(o.label, k));
    for (const [k, s] of Object.entries(SCHEDULES)) $("schedule").append(new Option(s.label, k));
    const ds = () => this.cfg.dataset;
    $("dataset").onchange = (e) => this.edit(() => (ds().name = e.target.value));
    $("noise").oninput = (e) => ($("noise-v").textContent = e.target.value);
    $("noise").onchange = (e) => this.edit(() => (ds().noise = Number(e.target.value)));
    $("ratio").oninput = (e) => ($("ratio-v").textContent = `${Math.round(e.target.value * 100)}%`);
    $("ratio").onchange = (e) => this.edit(() => (ds().train_ratio = Number(e.target.value)));
    $("npoints").onchange = (e) => this.edit(() => (ds().n = num(e.target)));
    $("dseed").onchange = (e) => this.edit(() => (ds().seed = num(e.target)));
    $("optimizer").onchange = (e) => this.edit(() => setOptimizer(this.cfg, e.target.value));
    $("lr").onchange = (e) => this.edit(() => (this.cfg.optimizer.lr = num(e.target)));
    $("schedule").onchange = (e) => this.edit(() => setSchedule(this.cfg, e.target.value));
    $("batch").onchange = (e) => this.edit(() => (this.cfg.batch_size = num(e.target)));
    $("l1").onchange = (e) => this.edit(() => (this.cfg.l1 = num(e.target)));
    $("l2").onchange = (e) => this.edit(() => (this.cfg.l2 = num(e.target)));
    $("seed").onchange = (e) => this.edit(() => (this.cfg.seed = num(e.target)));
    $("fps").onchange = (e) => this.edit(() => (this.cfg.frames_per_second = num(e.target)));
    $("csv").onchange = async (e) => {
      const file = e.target.files[0];
      if (!file) return;
      const text = await file.text();
      $("csv-name").textContent = file.name;
      upload(file.name, text);
      e.target.value = "";
    };
    this.render();
  }

  edit(fn) {
    fn();
    this.render();
    this.changed();
  }

  /** Show the configuration's values in the forms. */
  render() {
    const c = this.cfg;
    $("dataset").value = c.dataset.name;
    $("noise").value = c.dataset.noise;
    $("noise-v").textContent = c.dataset.noise;
    $("ratio").value = c.dataset.train_ratio;
    $("ratio-v").textContent = `${Math.round(c.dataset.train_ratio * 100)}%`;
    $("npoints").value = c.dataset.n;
    $("dseed").value = c.dataset.seed;
    $("optimizer").value = c.optimizer.name;
    $("lr").value = c.optimizer.lr;
    $("schedule").value = c.schedule.name;
    $("batch").value = c.batch_size;
    $("l1").value = c.l1;
    $("l2").value = c.l2;
    $("seed").value = c.seed;
    $("fps").value = c.frames_per_second;
    this.renderFeatures();
    this.renderOptions($("opt-options"), c.optimizer, ["name", "lr"]);
    this.renderOptions($("sched-options"), c.schedule, ["name"]);
  }

  renderFeatures() {
    const box = $("features");
    box.replaceChildren();
    for (const f of FEATURES) {
      const b = document.createElement("button");
      b.className = "chip" + (this.cfg.features.includes(f.key) ? " on" : "");
      b.textContent = f.label;
      b.dataset.feature = f.key;
      b.onclick = () =>
        this.edit(() => {
          const on = this.cfg.features.includes(f.key);
          const next = FEATURES.map((g) => g.key).filter((k) => (k === f.key ? !on : this.cfg.features.includes(k)));
          this.cfg.features = next;
        });
      box.append(b);
    }
  }

  /** One small field per option of an optimizer or schedule (booleans as checkboxes). */
  renderOptions(box, obj, skip) {
    box.replaceChildren();
    for (const [k, v] of Object.entries(obj)) {
      if (skip.includes(k)) continue;
      const label = document.createElement("label");
      label.className = "opt";
      const input = document.createElement("input");
      if (typeof v === "boolean") {
        input.type = "checkbox";
        input.checked = v;
        input.onchange = () => this.edit(() => (obj[k] = input.checked));
        label.append(input, ` ${k}`);
      } else {
        input.type = "number";
        input.step = "any";
        input.value = v;
        input.onchange = () => this.edit(() => (obj[k] = num(input)));
        label.append(`${k} `, input);
      }
      box.append(label);
    }
  }
}
