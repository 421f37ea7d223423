const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

/** A script's `timeout`: a number of seconds, or a string such as "90s", "20m", "2h", "1h30m". */
export type Duration = number | string;

const HOW = 'use e.g. "90s", "20m", "2h" or a number of seconds';

/**
 * Parses a duration to milliseconds: a number is seconds; a string is one or more
 * `<number><unit>` parts (units ms, s, m, h, d), e.g. "90s", "20m", "1.5h", "1h30m".
 * Throws on anything else, and on zero, negative or non-finite durations.
 */
export function parseDuration(value: Duration): number {
  const ms = typeof value === "number" ? value * 1000 : sumOfParts(value);
  if (ms === null) throw new Error(`invalid duration ${JSON.stringify(value)}: ${HOW}`);
  return positive(ms, value);
}

/**
 * A duration setting (`SCRIPT_TIMEOUT=15m`), parsed as the SDK parses a script's timeout,
 * except that a bare number is in `bareUnit`, what the setting has always meant (seconds, or
 * milliseconds for a `…_MS` setting), and zero is allowed where `allowZero` says so.
 */
export function parseDurationSetting(text: string, bareUnit: "s" | "ms" = "s", allowZero = false): number {
  const bare = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) * UNIT_MS[bareUnit] : null;
  const ms = bare ?? sumOfParts(text);
  if (ms === null)
    throw new Error(`invalid duration ${JSON.stringify(text)}: use e.g. "90s", "20m", "2h" or a number of ${bareUnit === "s" ? "seconds" : "milliseconds"}`);
  if (ms === 0 && allowZero) return 0;
  return positive(ms, text);
}

/** The milliseconds of "1h30m"-style text, or null when it is not such text. */
function sumOfParts(value: string): number | null {
  const text = value.trim();
  const part = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/gy;
  let ms = 0;
  let end = 0;
  let match: RegExpExecArray | null;
  while ((match = part.exec(text)) !== null) {
    ms += Number(match[1]) * UNIT_MS[match[2] as Unit];
    end = part.lastIndex;
    while (text[part.lastIndex] === " ") part.lastIndex++;
  }
  return end === 0 || end !== text.length ? null : ms;
}

function positive(ms: number, value: Duration): number {
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`invalid duration ${JSON.stringify(value)}: must be positive`);
  return Math.round(ms);
}
