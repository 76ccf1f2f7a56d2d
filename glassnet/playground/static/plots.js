// plots.js: pictures of numbers the server sent — heat maps of the output and of each
// hidden unit over the plane, the data points, and the loss / accuracy / lr curves.
// Only colour mapping and coordinate scaling happen here.

// Diverging palette: orange (negative / class 0) — white — blue (positive / class 1).
const NEG = [232, 119, 58];
const MID = [246, 246, 243];
const POS = [40, 116, 180];

/** Colour for t in [-1, 1] (clamped) as [r, g, b]. */
export function colour(t) {
  if (!Number.isFinite(t)) return [200, 200, 200];
  const s = Math.max(-1, Math.min(1, t));
  const end = s < 0 ? NEG : POS;
  const u = Math.abs(s);
  return [0, 1, 2].map((i) => Math.round(MID[i] + (end[i] - MID[i]) * u));
}

export function css(rgb, alpha = 1) {
  return `rgba(${rgb[0]},${rgb[1]},${rgb[2]},${alpha})`;
}

// A reusable G×G scratch canvas per grid size, so painting a map allocates nothing.
const scratch = new Map();
function scratchCanvas(g) {
  let c = scratch.get(g);
  if (!c) {
    c = document.createElement("canvas");
    c.width = g;
    c.height = g;
    const ctx = c.getContext("2d");
    c._img = ctx.createImageData(g, g);
    scratch.set(g, c);
  }
  return c;
}

/**
 * Paint a G×G row-major map (row 0 = top = ymax) into ctx over (x, y, w, h).
 * toT maps a value to [-1, 1] for colour (e.g. a probability p → 2p − 1).
 */
export function paintMap(ctx, values, g, toT, x, y, w, h, alpha = 255) {
  if (!values || values.length !== g * g) return;
  const sc = scratchCanvas(g);
  const data = sc._img.data;
  for (let i = 0; i < g * g; i++) {
    const c = colour(toT(values[i]));
    data[4 * i] = c[0];
    data[4 * i + 1] = c[1];
    data[4 * i + 2] = c[2];
    data[4 * i + 3] = alpha;
  }
  sc.getContext("2d").putImageData(sc._img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(sc, x, y, w, h);
}

/** The value → colour parameter used for the output of a task. */
export function outputScale(task, soft = 1) {
  return task === "regression" ? (v) => soft * v : (p) => soft * (2 * p - 1);
}

/** Canvas pixel size matching its CSS size (crisp on high-DPI screens). */
export function fitCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  return dpr;
}

/**
 * The output picture: boundary heat map, then train points (white rim) and test points
 * (dark rim); the selected sample gets a ring.
 */
export function drawBoundary(canvas, frame, state, opts) {
  const dpr = fitCanvas(canvas);
  const ctx = canvas.getContext("2d");
  const W = canvas.width;
  const H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  // the background a little paler than the points, so they stay readable
  if (frame) paintMap(ctx, frame.output, frame.grid, outputScale(state && state.task, 0.7), 0, 0, W, H);
  if (!state || !frame) return;
  const [x0, x1, y0, y1] = frame.extent;
  const px = (x) => ((x - x0) / (x1 - x0)) * W;
  const py = (y) => ((y1 - y) / (y1 - y0)) * H;
  const r = 3.6 * dpr;
  const yT = state.task === "regression" ? (v) => v : (v) => 2 * v - 1;
  const dots = (part, rim, show) => {
    if (!show) return;
    const d = part.x.length / Math.max(1, part.y.length);
    for (let i = 0; i < part.y.length; i++) {
      ctx.beginPath();
      ctx.arc(px(part.x[i * d]), py(part.x[i * d + 1]), r, 0, 2 * Math.PI);
      ctx.fillStyle = css(colour(yT(part.y[i])));
      ctx.fill();
      ctx.lineWidth = 1.2 * dpr;
      ctx.strokeStyle = rim;
      ctx.stroke();
    }
  };
  dots(state.train, "#ffffff", opts.showTrain);
  dots(state.test, "#222222", opts.showTest);
  if (opts.sample !== null && opts.sample !== undefined && opts.sample < state.n_train) {
    const d = state.train.x.length / Math.max(1, state.train.y.length);
    ctx.beginPath();
    ctx.arc(px(state.train.x[opts.sample * d]), py(state.train.x[opts.sample * d + 1]), 8 * dpr, 0, 2 * Math.PI);
    ctx.lineWidth = 2.5 * dpr;
    ctx.strokeStyle = "#111";
    ctx.stroke();
  }
}

/** Index of the train point nearest to a click at CSS pixel (cx, cy), or null if > 10 px away. */
export function pickSample(canvas, frame, state, cx, cy) {
  if (!frame || !state) return null;
  const [x0, x1, y0, y1] = frame.extent;
  const W = canvas.clientWidth;
  const H = canvas.clientHeight;
  const d = state.train.x.length / Math.max(1, state.train.y.length);
  let best = null;
  let bestD = 100;
  for (let i = 0; i < state.train.y.length; i++) {
    const dx = ((state.train.x[i * d] - x0) / (x1 - x0)) * W - cx;
    const dy = ((y1 - state.train.x[i * d + 1]) / (y1 - y0)) * H - cy;
    const dd = dx * dx + dy * dy;
    if (dd < bestD) {
      bestD = dd;
      best = i;
    }
  }
  return best;
}

/**
 * Curves over the steps: train and test loss (left axis, log scale when it spans a
 * decade), accuracy when known. history: array of frames' scalars.
 */
export function drawCurves(canvas, history) {
  const dpr = fitCanvas(canvas);
  const ctx = canvas.getContext("2d");
  const W = canvas.width;
  const H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  ctx.fillStyle = "#fbfbf9";
  ctx.fillRect(0, 0, W, H);
  if (history.length < 1) return;
  const pad = 6 * dpr;
  const finite = (v) => typeof v === "number" && Number.isFinite(v);
  const losses = history.flatMap((h) => [h.train_loss, h.test_loss]).filter(finite);
  if (!losses.length) return;
  const hi = Math.max(...losses);
  const lo = Math.min(0, ...losses);
  const sx = (i) => pad + (i / Math.max(1, history.length - 1)) * (W - 2 * pad);
  const sy = (v) => H - pad - ((v - lo) / (hi - lo || 1)) * (H - 2 * pad);
  const line = (key, colourStr, width, scale = sy) => {
    ctx.beginPath();
    let started = false;
    history.forEach((h, i) => {
      if (!finite(h[key])) return;
      if (started) ctx.lineTo(sx(i), scale(h[key]));
      else ctx.moveTo(sx(i), scale(h[key]));
      started = true;
    });
    ctx.lineWidth = width * dpr;
    ctx.strokeStyle = colourStr;
    ctx.stroke();
  };
  const acc = (v) => H - pad - v * (H - 2 * pad);
  line("train_acc", "rgba(120,120,120,0.45)", 1, acc);
  line("test_acc", "rgba(20,20,20,0.35)", 1, acc);
  line("train_loss", "#8a8a8a", 2);
  line("test_loss", "#111111", 2);
  // axis labels: the loss range and the steps covered
  ctx.fillStyle = "#667085";
  ctx.font = `${10 * dpr}px sans-serif`;
  ctx.fillText(`loss ${hi.toPrecision(3)}`, pad, pad + 9 * dpr);
  const last = history[history.length - 1];
  const txt = `step ${last.step}`;
  ctx.fillText(txt, W - pad - ctx.measureText(txt).width, H - pad);
}

/** A small line of the learning rate the schedule produced. */
export function drawLr(canvas, history) {
  const dpr = fitCanvas(canvas);
  const ctx = canvas.getContext("2d");
  const W = canvas.width;
  const H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const lrs = history.map((h) => h.lr).filter((v) => Number.isFinite(v));
  if (!lrs.length) return;
  const hi = Math.max(...lrs);
  const lo = Math.min(...lrs);
  ctx.beginPath();
  history.forEach((h, i) => {
    const x = (i / Math.max(1, history.length - 1)) * W;
    const y = H - 2 * dpr - ((h.lr - lo) / (hi - lo || 1)) * (H - 4 * dpr) * (hi === lo ? 0.5 : 1);
    if (i) ctx.lineTo(x, y);
    else ctx.moveTo(x, y);
  });
  ctx.lineWidth = 1.5 * dpr;
  ctx.strokeStyle = "#6b4fa0";
  ctx.stroke();
}
