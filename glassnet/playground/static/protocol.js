// protocol.js: the WebSocket link to the glassnet server and the decoding of its numbers.
// The page never computes a forward pass, a gradient or an update: every number it
// draws arrives here, as base64 of little-endian float32 bytes (see docs/playground.md).

/** Decode base64 of little-endian float32 bytes into a Float32Array. */
export function decodeF32(b64) {
  if (typeof b64 !== "string" || b64.length === 0) return new Float32Array(0);
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  // DataView reads little-endian explicitly, whatever the machine's byte order.
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(bytes.length >> 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Decode base64 into raw bytes (for downloading a model file). */
export function decodeBytes(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** Encode an ArrayBuffer as base64 (for uploading a model file). */
export function encodeBytes(buffer) {
  const bytes = new Uint8Array(buffer);
  let bin = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    bin += String.fromCharCode.apply(null, bytes.subarray(i, i + chunk));
  }
  return btoa(bin);
}

/** Decode the float fields of a "frame" message once, so drawing code gets arrays. */
export function decodeFrame(msg) {
  return {
    ...msg,
    output: decodeF32(msg.output),
    units: (msg.units || []).map((layer) => layer.map(decodeF32)),
    weights: (msg.weights || []).map(decodeF32),
    grads: (msg.grads || []).map(decodeF32),
    biases: (msg.biases || []).map(decodeF32),
  };
}

/** Decode the data sets of a "state" message. */
export function decodeState(msg) {
  const part = (p) => (p ? { x: decodeF32(p.x), y: decodeF32(p.y) } : { x: new Float32Array(0), y: new Float32Array(0) });
  return { ...msg, train: part(msg.train), test: part(msg.test) };
}

/**
 * One WebSocket to /ws with automatic reconnection.
 * handlers: {open(), close(), message(msg)}; message is the parsed JSON object.
 */
export class Link {
  constructor(handlers) {
    this.handlers = handlers;
    this.ws = null;
    this.retry = 500;
    this.connect();
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}/ws`;
  }

  connect() {
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 500;
      this.handlers.open();
    };
    ws.onmessage = (ev) => {
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        this.handlers.message({ type: "error", message: "the server sent a message that is not JSON", request: null });
        return;
      }
      this.handlers.message(msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.handlers.close();
      setTimeout(() => this.connect(), this.retry);
      this.retry = Math.min(this.retry * 2, 8000);
    };
  }

  get open() {
    return this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  /** Send one message object as JSON; returns false when the socket is not open. */
  send(msg) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  /** Send raw text as is (the tests use this to send malformed messages). */
  sendRaw(text) {
    if (!this.open) return false;
    this.ws.send(text);
    return true;
  }
}
