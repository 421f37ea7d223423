const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

/** A script's `timeout`: a number of seconds, or a string such as "90s", "20m", "2h", "1h30m". */
export type Duration = number | string;

/**
 * Parses a duration to milliseconds: a number is seconds; a string is one or more
 * `<number><unit>` parts (units ms, s, m, h, d), e.g. "90s", "20m", "1.5h", "1h30m".
 * Throws on anything else, and on zero, negative or non-finite durations.
 */
export function parseDuration(value: Duration): number {
  let ms: number;
  if (typeof value === "number") {
    ms = value * 1000;
  } else {
    const text = value.trim();
    const part = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/gy;
    ms = 0;
    let end = 0;
    let match: RegExpExecArray | null;
    while ((match = part.exec(text)) !== null) {
      ms += Number(match[1]) * UNIT_MS[match[2] as Unit];
      end = part.lastIndex;
      while (text[part.lastIndex] === " ") part.lastIndex++;
    }
    if (end === 0 || end !== text.length) throw new Error(`invalid duration ${JSON.stringify(value)}: use e.g. "90s", "20m", "2h" or a number of seconds`);
  }
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`invalid duration ${JSON.stringify(value)}: must be positive`);
  return Math.round(ms);
}
