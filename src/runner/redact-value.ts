import { REDACTED, type Redact } from "./redact.js";

// Deeper values are refused: redacting them recursively must stay cheap.
const MAX_DEPTH = 64;

export const TOO_DEEP = Symbol("too deep");

/** Whether a number's digits show a secret (a secret "123456" used as a count); null shows none. */
export function showsSecret(value: number | null, redact: Redact): boolean {
  if (value === null) return false;
  const text = String(value);
  return redact(text) !== text;
}

/** The number, or `[REDACTED]` when it shows a secret. */
export function redactNumber(value: number, redact: Redact): number | typeof REDACTED {
  return showsSecret(value, redact) ? REDACTED : value;
}

/**
 * A JSON value with every string, object key and number that shows a secret redacted (such a
 * number becomes the string `[REDACTED]`); TOO_DEEP when it nests deeper than MAX_DEPTH.
 * Keys that redact to the same text collapse into one, the last value winning.
 */
export function redactJson(value: unknown, redact: Redact, depth = 0): unknown {
  if (typeof value === "string") return redact(value);
  if (typeof value === "number") return redactNumber(value, redact);
  if (typeof value !== "object" || value === null) return value;
  if (depth >= MAX_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) {
      const redacted = redactJson(item, redact, depth + 1);
      if (redacted === TOO_DEEP) return TOO_DEEP;
      items.push(redacted);
    }
    return items;
  }
  const entries: [string, unknown][] = [];
  for (const [key, item] of Object.entries(value)) {
    const redacted = redactJson(item, redact, depth + 1);
    if (redacted === TOO_DEEP) return TOO_DEEP;
    entries.push([redact(key), redacted]);
  }
  // fromEntries defines own properties, so a "__proto__" key stays data.
  return Object.fromEntries(entries);
}
