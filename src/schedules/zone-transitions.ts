const DAY_MS = 86_400_000;

/**
 * The instants in [fromMs, toMs) at which `timezone`'s offset from UTC changes (daylight saving
 * time starting or ending, a country changing zones), to the second. Found by comparing the
 * offset a day apart (zones change at most a few times a year), then halving the day.
 */
export function zoneTransitions(timezone: string, fromMs: number, toMs: number): number[] {
  const offsetAt = zoneOffset(timezone);
  const transitions: number[] = [];
  for (let start = fromMs; start < toMs; start += DAY_MS) {
    const end = Math.min(start + DAY_MS, toMs);
    let [low, high] = [start, end];
    if (offsetAt(low) === offsetAt(high)) continue;
    // The offset at `low` is the old one, at `high` the new one: narrow down to the second.
    while (high - low > 1000) {
      const middle = low + Math.floor((high - low) / 2000) * 1000;
      if (offsetAt(middle) === offsetAt(low)) low = middle;
      else high = middle;
    }
    transitions.push(high);
  }
  return transitions;
}

/** The zone's offset from UTC at an instant (ms), from the wall-clock time Intl gives for it. */
function zoneOffset(timezone: string): (ms: number) => number {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  return (ms) => {
    const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((candidate) => candidate.type === type)?.value);
    const parts = format.formatToParts(ms);
    const wall = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"));
    return wall - Math.floor(ms / 1000) * 1000;
  };
}
