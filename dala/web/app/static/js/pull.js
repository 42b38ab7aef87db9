// Pull-to-refresh on the job list: drag down from the top, release past the mark, sync.
// Touch events (not pointer events): the browser cancels pointer streams it scrolls, and
// the page turns the browser's own pull-to-reload off (app.css, overscroll-behavior).
const MARK = 70; // px of finger travel that counts as "pull"
const MAX = 110;

export function pullToRefresh(active, refresh) {
  let startY = null;
  let pulled = 0;
  let busy = false;

  const strip = () => document.getElementById("ptr");

  function draw(height, state) {
    const element = strip();
    if (!element) return;
    element.style.height = `${height}px`;
    element.dataset.state = state;
    // One line shows: pull (also when idle, hidden by the zero height), release or busy.
    const shown = state === "idle" ? "pull" : state;
    element.querySelectorAll("[data-ptr]").forEach((line) => line.classList.toggle("d-none", line.dataset.ptr !== shown));
  }

  document.addEventListener(
    "touchstart",
    (event) => {
      if (busy || !active() || window.scrollY > 0 || event.touches.length !== 1) return;
      if (event.target.closest(".modal")) return;
      startY = event.touches[0].clientY;
      pulled = 0;
    },
    { passive: true },
  );

  document.addEventListener(
    "touchmove",
    (event) => {
      if (startY === null) return;
      pulled = Math.max(0, event.touches[0].clientY - startY);
      if (window.scrollY > 0) pulled = 0;
      draw(Math.min(MAX, pulled * 0.6), pulled > MARK ? "release" : "pull");
    },
    { passive: true },
  );

  async function end() {
    if (startY === null) return;
    startY = null;
    if (pulled <= MARK) {
      draw(0, "idle");
      return;
    }
    busy = true;
    draw(48, "refreshing");
    try {
      await refresh();
    } finally {
      busy = false;
      draw(0, "idle");
    }
  }

  document.addEventListener("touchend", end);
  document.addEventListener("touchcancel", end);
}
