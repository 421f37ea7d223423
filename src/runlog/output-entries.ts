import type { CapturedOutput } from "../run-types.js";
import { stripTerminalEscapes } from "../runner/terminal-escapes.js";

/** One printed line as it appears in the log, or a place where output is missing. */
export type OutputEntry =
  | { kind: "line"; text: string; bytes: number }
  | {
      kind: "gap";
      /** Bytes the script printed that are not in the log at this point. */
      omittedBytes: number;
      /** Lines among them that the size cap dropped (the capture does not count its lines). */
      lines: number;
      /** "capture": the runner's output cap; "size-cap": the log's own size cap. */
      reason: "capture" | "size-cap";
      /** False when the capture did not say where its gap was and the entry is a stand-in. */
      placed: boolean;
    };

/**
 * Turns captured output into log lines such as `+  12.345s stderr | boom`, in capture order,
 * with the capture's own gap as an entry. `bytes` is what the script printed (plus its
 * newline), so bytes dropped later by the size cap can be reported in the script's terms.
 */
export function outputEntries(output: CapturedOutput): OutputEntry[] {
  const stamps = output.lines.map((line) => `+${(Math.max(0, line.t) / 1000).toFixed(3)}s`);
  const width = Math.max(0, ...stamps.map((s) => s.length));
  const entries: OutputEntry[] = output.lines.map((line, i) => {
    const prefix = `${stamps[i]!.padStart(width)} ${line.stream} | `;
    const text = visibleLines(line.text)
      .map((part) => prefix + part)
      .join("\n");
    return { kind: "line", text, bytes: Buffer.byteLength(line.text, "utf8") + 1 };
  });
  if (output.omittedBytes > 0) {
    // Without a position the gap is shown first, where a reader starts looking.
    const { omittedAt } = output;
    const at = omittedAt === null ? 0 : Math.min(Math.max(0, Math.trunc(omittedAt)), entries.length);
    entries.splice(at, 0, { kind: "gap", omittedBytes: output.omittedBytes, lines: 0, reason: "capture", placed: omittedAt !== null });
  }
  return entries;
}

/** Splits a captured line on embedded newlines and makes control characters visible. */
function visibleLines(text: string): string[] {
  // Captured lines come without escape codes already; compiler messages and old records may not.
  return stripTerminalEscapes(text)
    .replace(/\r?\n$/, "")
    .split(/\r?\n/)
    .map((part) =>
      // Control pictures (␛, ␍, ␀ …) instead of raw bytes that editors and GitHub mangle.
      // eslint-disable-next-line no-control-regex -- matching control characters is the point
      part.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => String.fromCharCode(c === "\x7f" ? 0x2421 : 0x2400 + c.charCodeAt(0))),
    );
}
