// Times: a frame's wall-clock time is spec.start + t_ms, shown in spec.timezone (UTC on
// hover). Share links carry `t=[Nd]HH:MM:SS` — the wall-clock time in that zone on day N
// after the start date (see the module docstring of outage_replay/replays/player.py).

const DAY_MS = 86400000;

export function makeClock(spec) {
  const startMs = Date.parse(spec.start);
  const timeZone = validZone(spec.timezone) ? spec.timezone : "UTC";
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });
  const dateFmt = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", month: "short", day: "numeric" });
  const dayFmt = new Intl.DateTimeFormat("en-US", { timeZone, month: "short", day: "numeric" });
  const zoneFmt = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "short" });
  const utcFmt = new Intl.DateTimeFormat("en-GB", {
    timeZone: "UTC", year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });

  function local(epochMs) {
    const o = {};
    for (const p of parts.formatToParts(new Date(epochMs))) o[p.type] = p.value;
    return { y: +o.year, mo: +o.month, d: +o.day, h: +o.hour % 24, mi: +o.minute, s: +o.second };
  }
  const startLocal = local(startMs);
  const startDayUtc = Date.UTC(startLocal.y, startLocal.mo - 1, startLocal.d);

  // Offset of the zone at an instant (ms to add to UTC to get local wall time).
  function offsetAt(epochMs) {
    const l = local(epochMs);
    return Date.UTC(l.y, l.mo - 1, l.d, l.h, l.mi, l.s) - Math.floor(epochMs / 1000) * 1000;
  }
  function epochOfLocal(y, mo, d, h, mi, s) {
    const wall = Date.UTC(y, mo - 1, d, h, mi, s);
    let guess = wall - offsetAt(wall);
    guess = wall - offsetAt(guess);
    return guess;
  }

  let cacheKey = -1, cache = null;
  function info(tMs) {
    const sec = Math.floor(tMs / 1000);
    if (sec === cacheKey) return cache;
    const epoch = startMs + sec * 1000;
    const l = local(epoch);
    const pad = (n) => String(n).padStart(2, "0");
    const day = Math.round((Date.UTC(l.y, l.mo - 1, l.d) - startDayUtc) / DAY_MS);
    const zone = (zoneFmt.formatToParts(new Date(epoch)).find((p) => p.type === "timeZoneName") || {}).value || timeZone;
    cacheKey = sec;
    cache = {
      time: `${pad(l.h)}:${pad(l.mi)}:${pad(l.s)}`,
      short: `${pad(l.h)}:${pad(l.mi)}`,
      // A chart tick: the date at local midnight ("Jul 20"), else the time; an 8-day
      // run's daily ticks would otherwise all read "00:00".
      tick: l.h === 0 && l.mi === 0 ? dayFmt.format(new Date(epoch)) : `${pad(l.h)}:${pad(l.mi)}`,
      date: dateFmt.format(new Date(epoch)),
      zone,
      day,
      utc: `${utcFmt.format(new Date(epoch))} UTC`,
      iso: new Date(epoch).toISOString(),
    };
    return cache;
  }

  return {
    startMs, timeZone, info, epochOfLocal,
    epoch: (tMs) => startMs + tMs,
    /** t parameter of a share link for the playhead tMs. */
    linkParam(tMs) {
      const i = info(tMs);
      return (i.day > 0 ? `${i.day}d` : "") + i.time;
    },
    /** Parse a t parameter; returns ms from the start, or null when malformed. */
    parseParam(value) {
      if (!value) return null;
      const v = String(value).trim();
      let m = /^(\d{1,7})s$/.exec(v);
      if (m) return +m[1] * 1000;
      m = /^(?:(\d{1,3})d)?(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(v);
      if (!m) return null;
      const [h, mi, s] = [+m[2], +m[3], +(m[4] || 0)];
      if (h > 23 || mi > 59 || s > 59) return null;
      const day = m[1] ? +m[1] : 0;
      const at = (dd) => epochOfLocal(startLocal.y, startLocal.mo, startLocal.d + dd, h, mi, s) - startMs;
      let t = at(day);
      if (!m[1] && t < 0) t = at(1);
      return t;
    },
  };
}

function validZone(tz) {
  if (!tz) return false;
  try { new Intl.DateTimeFormat("en-US", { timeZone: tz }); return true; } catch { return false; }
}

export function formatDuration(ms) {
  const m = Math.round(ms / 60000);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60), r = m % 60;
  return r ? `${h} h ${r} min` : `${h} h`;
}
