/**
 * Removes terminal escape sequences (ANSI colours and cursor moves, OSC titles and
 * hyperlinks). Done before redaction: a secret printed with a colour code in its middle
 * must still be recognised, and a log file has no use for the codes anyway.
 */
export function stripTerminalEscapes(text: string): string {
  // Every sequence starts with ESC; most lines have none, and a scan for one character is
  // far cheaper than the two replacements (a quarter of a second for a 500 MiB flood).
  if (!text.includes("\x1b")) return text;
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, "").replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, "");
}
