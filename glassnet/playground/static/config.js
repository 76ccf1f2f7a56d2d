// config.js: the page's configuration (the CONFIG object of the wire protocol),
// its defaults, the choices offered, and its round trip through the URL fragment.

export const DATASETS = ["circles", "xor", "gaussians", "spiral", "moons", "plane"];
export const FEATURES = [
  { key: "x1", label: "x₁" },
  { key: "x2", label: "x₂" },
  { key: "x1^2", label: "x₁²" },
  { key: "x2^2", label: "x₂²" },
  { key: "x1*x2", label: "x₁·x₂" },
  { key: "sin_x1", label: "sin x₁" },
  { key: "sin_x2", label: "sin x₂" },
];
// glassnet's activations usable in a hidden layer (softmax is an output activation).
export const ACTIVATIONS = ["tanh", "relu", "sigmoid", "leaky_relu", "elu", "softplus", "gelu", "identity"];

// The options each optimizer takes (keys of CONFIG.optimizer besides name and lr).
export const OPTIMIZERS = {
  sgd: { label: "SGD", options: { momentum: 0, nesterov: false, weight_decay: 0 } },
  momentum: { label: "Momentum", options: { momentum: 0.9 } },
  rmsprop: { label: "RMSprop", options: { alpha: 0.99, momentum: 0, eps: 1e-8, weight_decay: 0 } },
  adam: { label: "Adam", options: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0 } },
  adamw: { label: "AdamW", options: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.01 } },
};

// Learning-rate schedules and their options (glassnet.schedules' argument names).
export const SCHEDULES = {
  constant: { label: "constant", options: {} },
  step: { label: "step decay", options: { step_size: 100, gamma: 0.5 } },
  exponential: { label: "exponential", options: { gamma: 0.999 } },
  cosine: { label: "cosine", options: { T_max: 1000, eta_min: 0 } },
  warmup_cosine: { label: "warm-up + cosine", options: { warmup_steps: 100, total_steps: 2000, eta_min: 0, start_factor: 0 } },
};

export const LIMITS = { maxLayers: 10, maxUnits: 64 };

export function defaultConfig() {
  return {
    dataset: { name: "circles", noise: 0.1, train_ratio: 0.5, seed: 0, n: 400 },
    features: ["x1", "x2"],
    hidden: [
      { units: 4, activation: "tanh" },
      { units: 2, activation: "tanh" },
    ],
    optimizer: { name: "sgd", lr: 0.03, momentum: 0, nesterov: false, weight_decay: 0 },
    schedule: { name: "constant" },
    batch_size: 10,
    l1: 0,
    l2: 0,
    dropout: [],
    seed: 0,
    grid: 64,
    frames_per_second: 20,
  };
}

/** Dropout as sent: one entry per hidden layer, or [] when no layer drops anything. */
export function wireConfig(cfg) {
  const out = structuredClone(cfg);
  const drop = cfg.hidden.map((_, i) => cfg.dropout[i] || { rate: 0, scaling: "inverted" });
  out.dropout = drop.some((d) => d.rate > 0) ? drop : [];
  return out;
}

/** Keep the dropout list as long as the hidden layers. */
export function syncDropout(cfg) {
  while (cfg.dropout.length < cfg.hidden.length) cfg.dropout.push({ rate: 0, scaling: "inverted" });
  cfg.dropout.length = cfg.hidden.length;
}

/** Switch optimizer: keep lr, take the new optimizer's default options. */
export function setOptimizer(cfg, name) {
  cfg.optimizer = { name, lr: cfg.optimizer.lr, ...structuredClone(OPTIMIZERS[name].options) };
}

export function setSchedule(cfg, name) {
  cfg.schedule = { name, ...structuredClone(SCHEDULES[name].options) };
}

/** The configuration as a URL fragment (shareable link). */
export function toFragment(cfg) {
  const c = structuredClone(cfg);
  if (c.dataset.name === "upload") c.dataset.name = "circles"; // uploads cannot travel in a link
  return "#" + encodeURIComponent(JSON.stringify(c));
}

/** Read a configuration from a fragment; unknown or broken fragments give the defaults. */
export function fromFragment(hash) {
  const base = defaultConfig();
  if (!hash || hash.length < 2) return base;
  let c;
  try {
    c = JSON.parse(decodeURIComponent(hash.slice(1)));
  } catch {
    return base;
  }
  if (typeof c !== "object" || c === null) return base;
  // Shallow merge of the known parts; the server validates every value and says what is wrong.
  const cfg = { ...base, ...c };
  cfg.dataset = { ...base.dataset, ...(c.dataset || {}) };
  if (!Array.isArray(cfg.hidden)) cfg.hidden = base.hidden;
  if (!Array.isArray(cfg.features)) cfg.features = base.features;
  if (!Array.isArray(cfg.dropout)) cfg.dropout = [];
  if (!cfg.optimizer || !OPTIMIZERS[cfg.optimizer.name]) cfg.optimizer = base.optimizer;
  if (!cfg.schedule || !SCHEDULES[cfg.schedule.name]) cfg.schedule = base.schedule;
  syncDropout(cfg);
  return cfg;
}
