const REPLACEMENT = "[REDACTED]";
// Shorter values (e.g. "1", "true") occur in ordinary output and would mangle it.
const MIN_SECRET_LENGTH = 4;
// Output is redacted line by line, so a multi-line secret (a PEM key) never appears whole;
// its lines are redacted on their own, unless they are too short to be telling ("-----").
const MIN_SECRET_LINE_LENGTH = 8;

/**
 * Returns a function that replaces every occurrence of each secret value with `[REDACTED]`.
 * One regular expression with the longest values first: at any position the longest secret
 * wins, and text that was already replaced is never scanned again.
 */
export function createRedactor(secrets: Iterable<string>): (text: string) => string {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH) needles.add(secret);
    if (!secret.includes("\n")) continue;
    for (const line of secret.split(/\r?\n/)) {
      if (line.length >= MIN_SECRET_LINE_LENGTH) needles.add(line);
    }
  }
  if (needles.size === 0) return (text) => text;
  const pattern = new RegExp(
    [...needles].sort((a, b) => b.length - a.length).map(escapeRegExp).join("|"),
    "g",
  );
  return (text) => text.replace(pattern, REPLACEMENT);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}
