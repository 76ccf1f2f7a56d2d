// bars.js: the error bar (server errors, refused limits, lost connection), the pause
// banner (a diverged run and its reason) and short notes.

const bar = document.getElementById("errorbar");
const pause = document.getElementById("pausebar");
let timer = null;

bar.querySelector(".dismiss").onclick = () => bar.classList.add("hidden");
pause.querySelector(".dismiss").onclick = () => pause.classList.add("hidden");

/** Show one error line; it stays 15 s or until dismissed. */
export function showError(message) {
  bar.querySelector(".msg").textContent = message;
  bar.classList.remove("hidden");
  clearTimeout(timer);
  timer = setTimeout(() => bar.classList.add("hidden"), 15000);
}

/** Training paused by the server (e.g. diverged): say why. */
export function showPaused(reason) {
  pause.querySelector(".msg").textContent = `Paused — ${reason}`;
  pause.classList.remove("hidden");
}

export function hidePaused() {
  pause.classList.add("hidden");
}

/** A short note at the bottom of the page. */
export function toast(text) {
  let t = document.getElementById("toast");
  if (!t) {
    t = document.createElement("div");
    t.id = "toast";
    t.className = "toast";
    document.body.append(t);
  }
  t.textContent = text;
  t.classList.add("show");
  clearTimeout(t._timer);
  t._timer = setTimeout(() => t.classList.remove("show"), 3000);
}
