// The ARIA live region: state changes, coalesced and throttled so a screen reader gets a
// sentence every couple of seconds at most, never one per frame.

export function createAnnouncer(el, { minGapMs = 2500 } = {}) {
  let pending = [], timer = 0, last = 0;
  function flush() {
    timer = 0;
    if (!pending.length) return;
    const text = pending.slice(-4).join(" ");
    pending = [];
    last = performance.now();
    el.textContent = text;
  }
  return {
    say(text, { now = false } = {}) {
      if (now) { pending = [text]; if (timer) clearTimeout(timer); flush(); return; }
      pending.push(text);
      if (timer) return;
      timer = setTimeout(flush, Math.max(0, minGapMs - (performance.now() - last)));
    },
  };
}
