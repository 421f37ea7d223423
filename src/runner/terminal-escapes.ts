/**
 * Removes terminal escape sequences (ANSI colours and cursor moves, OSC titles and
 * hyperlinks). Done before redaction: a secret printed with a colour code in its middle
 * must still be recognised, and a log file has no use for the codes anyway.
 */
export function stripTerminalEscapes(text: string): string {
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, "").replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, "");
}
