import { encodedForms } from "./secret-encodings.js";

/** What a secret is replaced by; also the value of a number that would show one. */
export const REDACTED = "[REDACTED]";
/**
 * Shorter values are left alone, and config.ts warns about them at startup: values like
 * "true", "prod", a port "5432" or a year occur in ordinary output, so replacing them would
 * mangle it and turn unrelated numbers into [REDACTED]; a secret that short is guessed
 * anyway; and from 6 characters on the shortest base64 fragment looked for (a secret
 * encoded inside a longer text) is 7 characters, too unlikely to match by chance.
 */
export const MIN_SECRET_LENGTH = 6;
// Output is redacted line by line, so a multi-line secret (a PEM key) never appears whole;
// its lines are redacted on their own, unless they are too short to be telling ("-----").
const MIN_SECRET_LINE_LENGTH = 8;

export type Redact = (text: string) => string;

/** Whether `value` is too short for createRedactor to redact (see MIN_SECRET_LENGTH). */
export function tooShortToRedact(value: string): boolean {
  return value.length < MIN_SECRET_LENGTH;
}

/**
 * Returns a function that replaces every occurrence of each secret value, and of its common
 * encodings (see encodedForms), with `[REDACTED]`. One regular expression with the longest
 * values first: at any position the longest form wins, and text that was already replaced
 * is never scanned again.
 */
export function createRedactor(secrets: Iterable<string>): Redact {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (tooShortToRedact(secret)) continue;
    needles.add(secret);
    for (const form of encodedForms(secret)) needles.add(form);
    if (!secret.includes("\n")) continue;
    for (const line of secret.split(/\r?\n/)) {
      if (line.length >= MIN_SECRET_LINE_LENGTH) needles.add(line);
    }
  }
  if (needles.size === 0) return (text) => text;
  const pattern = new RegExp(
    [...needles]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join("|"),
    "g",
  );
  return (text) => text.replace(pattern, REDACTED);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}
