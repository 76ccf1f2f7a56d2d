// app.js: wires the page together — configuration, WebSocket messages, drawing,
// the glass-box panel and the buttons. The server owns all the arithmetic.

import { Link, decodeF32, decodeFrame, decodeState, decodeBytes, encodeBytes } from "./protocol.js";
import { LIMITS, fromFragment, toFragment, wireConfig, syncDropout } from "./config.js";
import { NetView } from "./net.js";
import { Panel } from "./panel.js";
import { Controls } from "./controls.js";
import { drawBoundary, drawCurves, drawLr, pickSample } from "./plots.js";
import { showError, showPaused, hidePaused, toast } from "./bars.js";

const $ = (id) => document.getElementById(id);
const fmt = (v, d = 4) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(d) : v === null || v === undefined ? "–" : String(v));

const cfg = fromFragment(location.hash);
let state = null; // decoded "state" message
let frame = null; // decoded latest "frame"
let series = []; // scalars of the frames since the last state: loss, acc, lr
let playing = false;
let selection = null; // {L, J, K} of the clicked unit or edge
let sample = null; // clicked training point (index into the train set)
let walking = false;
let refreshAfterStep = false;
let loadingModel = false;
let drawPending = false;
let clickTime = null;

// What the tests and the screenshot script read (never used for drawing decisions).
const pg = { cfg, sent: [], received: {}, errors: [], latencies: [], frameTimes: [] };
window.pg = pg;
window.pgDecode = decodeF32; // for the screenshot script: where a training point is drawn

// ---- the network drawing --------------------------------------------------------------
const limit = (keys, fallback) => {
  const l = (state && state.limits) || {};
  for (const k of keys) if (typeof l[k] === "number") return l[k];
  return fallback;
};
const maxUnits = () => limit(["max_units", "units_per_layer", "max_units_per_layer", "units"], LIMITS.maxUnits);
const maxLayers = () => limit(["max_layers", "hidden_layers", "max_hidden_layers", "layers"], LIMITS.maxLayers);

const net = new NetView($("net"), {
  addUnit: (i) => {
    if (cfg.hidden[i].units >= maxUnits()) return showError(`at most ${maxUnits()} units per layer`);
    cfg.hidden[i].units += 1;
    configChanged();
  },
  removeUnit: (i) => {
    if (cfg.hidden[i].units <= 1) return;
    cfg.hidden[i].units -= 1;
    configChanged();
  },
  activation: (i, name) => {
    cfg.hidden[i].activation = name;
    configChanged();
  },
  dropout: (i, d) => {
    syncDropout(cfg);
    cfg.dropout[i] = d;
    configChanged();
  },
  unit: (L, J) => inspect({ L, J, K: null }),
  edge: (L, J, K) => inspect({ L, J, K }),
});

$("add-layer").onclick = () => {
  if (cfg.hidden.length >= maxLayers()) return showError(`at most ${maxLayers()} hidden layers`);
  const last = cfg.hidden[cfg.hidden.length - 1] || { units: 4, activation: "tanh" };
  cfg.hidden.push({ units: last.units, activation: last.activation });
  configChanged();
};
$("remove-layer").onclick = () => {
  if (!cfg.hidden.length) return;
  cfg.hidden.pop();
  configChanged();
};

// ---- panel and selection ---------------------------------------------------------------
const panel = new Panel($("glassbox"), {
  close: () => {
    panel.close();
    walking = false;
    selection = null;
    net.setWalk(null);
    net.select(null);
  },
  walkTo: (i) => link.send({ type: "walk", sample: sample ?? 0, index: i }),
});

function inspect(sel) {
  selection = sel;
  walking = false;
  net.setWalk(null);
  net.select(sel);
  sendInspect();
}

function sendInspect() {
  if (!selection) return;
  clickTime = performance.now();
  panel.waiting("asking the engine…");
  link.send({ type: "inspect", layer: selection.L, unit: selection.J, sample, weight: selection.K });
}

$("boundary").addEventListener("click", (e) => {
  const r = e.target.getBoundingClientRect();
  const i = pickSample(e.target, frame, state, e.clientX - r.left, e.clientY - r.top);
  if (i === null) return;
  sample = i;
  redraw();
  if (walking) link.send({ type: "walk", sample, index: 0 });
  else if (selection) sendInspect();
  else toast(`training sample #${i} picked: now click a unit or an edge`);
});
$("show-test").onchange = () => redraw();

$("walk").onclick = () => {
  walking = true;
  selection = null;
  net.select(null);
  if (sample === null) sample = 0;
  redraw();
  link.send({ type: "walk", sample, index: 0 });
};

// ---- transport ---------------------------------------------------------------------------
function setPlaying(p) {
  playing = p;
  $("play").textContent = p ? "❚❚" : "▶";
  $("play").classList.toggle("playing", p);
}
$("play").onclick = () => {
  hidePaused();
  link.send({ type: playing ? "pause" : "play" });
  setPlaying(!playing);
};
$("step").onclick = () => {
  refreshAfterStep = true;
  link.send({ type: "step" });
};
$("reset").onclick = () => {
  hidePaused();
  link.send({ type: "reset" });
};

// ---- files -------------------------------------------------------------------------------
function download(data, filename, mime) {
  const url = URL.createObjectURL(new Blob([data], { type: mime }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
$("export").onclick = () => link.send({ type: "export" });
document.querySelector(".gb-export").onclick = () => link.send({ type: "export" });
$("export-model").onclick = () => link.send({ type: "export_model" });
$("import-model").onchange = async (e) => {
  const file = e.target.files[0];
  if (!file) return;
  loadingModel = true;
  link.send({ type: "load_model", data_base64: encodeBytes(await file.arrayBuffer()) });
  e.target.value = "";
};
$("share").onclick = async () => {
  try {
    await navigator.clipboard.writeText(location.href);
    toast("link copied: it restores this set-up");
  } catch {
    toast("copy the address bar: it holds the whole set-up");
  }
};

function upload(name, text) {
  cfg.dataset.name = "upload";
  controls.render();
  link.send({ type: "upload", name, csv: text });
}

// ---- configuration ------------------------------------------------------------------------
let debounce = null;
function configChanged() {
  syncDropout(cfg);
  series = [];
  net.build(cfg, null);
  updateLayerCount();
  clearTimeout(debounce);
  debounce = setTimeout(sendConfig, 120);
}
function sendConfig() {
  const c = wireConfig(cfg);
  window.history.replaceState(null, "", toFragment(cfg));
  pg.sent.push(c);
  link.send({ type: "config", config: c });
}
function updateLayerCount() {
  const n = cfg.hidden.length;
  $("nlayers").textContent = `${n} hidden layer${n === 1 ? "" : "s"}`;
}
const controls = new Controls(cfg, configChanged, upload);

// ---- messages ------------------------------------------------------------------------------
const link = new Link({
  open: () => sendConfig(),
  close: () => showError("connection to the glassnet server lost; reconnecting…"),
  message: onMessage,
});
pg.sendRaw = (text) => link.sendRaw(text);
pg.send = (msg) => link.send(msg);

function onMessage(msg) {
  pg.received[msg.type] = (pg.received[msg.type] || 0) + 1;
  switch (msg.type) {
    case "state":
      return onState(msg);
    case "frame":
      return onFrame(msg);
    case "paused":
      setPlaying(false);
      if (msg.reason && !/^paused?\b/i.test(msg.reason)) showPaused(msg.reason);
      return;
    case "error":
      pg.errors.push(msg);
      if (loadingModel && msg.request === "load_model") loadingModel = false;
      return showError(msg.message || "error");
    case "inspect":
      panel.showInspect(msg);
      pg.lastInspect = msg;
      if (clickTime !== null) pg.latencies.push(performance.now() - clickTime);
      clickTime = null;
      return;
    case "walk":
      panel.showWalk(msg);
      net.setWalk({ L: msg.layer, J: msg.unit, phase: msg.phase });
      pg.lastWalk = msg;
      return;
    case "export":
      pg.lastExport = msg;
      return download(msg.exercise_yaml, msg.filename || "playground-exercise.yaml", "text/yaml");
    case "export_model":
      return download(decodeBytes(msg.data_base64), msg.filename || "playground.glassnet", "application/octet-stream");
    default:
      return;
  }
}

function onState(msg) {
  state = decodeState(msg);
  pg.state = msg;
  series = [];
  frame = null;
  if (loadingModel) {
    // A loaded model brings its own architecture: show it in the controls and the link.
    loadingModel = false;
    const sizes = msg.layers;
    cfg.hidden = sizes.slice(1, -1).map((u, i) => ({ units: u, activation: msg.activations[i] }));
    if (Array.isArray(msg.features)) cfg.features = msg.features;
    syncDropout(cfg);
    controls.render();
    window.history.replaceState(null, "", toFragment(cfg));
  }
  if (sample !== null && sample >= state.n_train) sample = null;
  setPlaying(Boolean(msg.playing));
  net.build(cfg, state);
  updateLayerCount();
  $("task").textContent = `${msg.output_activation} + ${msg.loss}`;
  $("task").title = `${msg.task} task: ${msg.n_train} training and ${msg.n_test} test points`;
  $("counts").textContent = `${msg.n_train} train · ${msg.n_test} test`;
  redraw();
}

function onFrame(msg) {
  frame = decodeFrame(msg);
  pg.frame = msg;
  pg.frameTimes.push(performance.now());
  if (pg.frameTimes.length > 600) pg.frameTimes.splice(0, 300);
  series.push({ step: msg.step, train_loss: msg.train_loss, test_loss: msg.test_loss, train_acc: msg.train_acc, test_acc: msg.test_acc, lr: msg.lr });
  if (series.length > 1500) series = series.filter((_, i) => i % 2 === 0);
  if (refreshAfterStep) {
    refreshAfterStep = false;
    if (selection && panel.isOpen && !walking) sendInspect();
  }
  if (!drawPending) {
    drawPending = true;
    requestAnimationFrame(() => {
      drawPending = false;
      redraw();
    });
  }
}

function redraw() {
  if (frame) {
    $("epoch").textContent = String(frame.epoch);
    $("stepcount").textContent = String(frame.step);
    $("lrnow").textContent = typeof frame.lr === "number" ? frame.lr.toPrecision(4) : "–";
    $("train-loss").textContent = fmt(frame.train_loss);
    $("test-loss").textContent = fmt(frame.test_loss);
    $("train-acc").textContent = frame.train_acc === null ? "–" : fmt(frame.train_acc, 3);
    $("test-acc").textContent = frame.test_acc === null ? "–" : fmt(frame.test_acc, 3);
    net.update(frame);
  }
  drawBoundary($("boundary"), frame, state, { showTrain: true, showTest: $("show-test").checked, sample });
  drawCurves($("curves"), series);
  drawLr($("lrcurve"), series);
}

net.build(cfg, null);
updateLayerCount();
window.addEventListener("resize", () => redraw());

// Space plays / pauses, → steps (unless typing in a field).
window.addEventListener("keydown", (e) => {
  if (e.target.closest("input, select, textarea")) return;
  if (e.key === " ") {
    e.preventDefault();
    $("play").click();
  } else if (e.key === "ArrowRight" && !walking) {
    $("step").click();
  } else if (walking && (e.key === "ArrowRight" || e.key === "ArrowLeft")) {
    const i = panel.walkIndex + (e.key === "ArrowRight" ? 1 : -1);
    if (i >= 0 && i < panel.walkCount) link.send({ type: "walk", sample: sample ?? 0, index: i });
  }
});
