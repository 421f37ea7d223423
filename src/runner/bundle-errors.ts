import type { Message } from "esbuild";
import { repoPath } from "./repo-files-plugin.js";

export interface BundleError {
  /** Repository-relative path, or null when the error is not about one place in a file. */
  file: string | null;
  /** 1-based. */
  line: number | null;
  /** 1-based, in characters (esbuild reports 0-based bytes), as editors and GitHub annotations count. */
  column: number | null;
  text: string;
}

/** Maps esbuild's errors to BundleErrors plus a readable report in esbuild's own layout. */
export function describeBundleErrors(messages: readonly Message[]): { message: string; errors: BundleError[] } {
  const errors: BundleError[] = [];
  const blocks: string[] = [];
  for (const m of messages) {
    const location = m.location;
    const notes = m.notes.map((n) => `  note: ${n.text}`);
    if (location === null) {
      errors.push({ file: null, line: null, column: null, text: m.text });
      blocks.push([`error: ${m.text}`, ...notes].join("\n"));
      continue;
    }
    const file = repoPath(location.file);
    const before = location.lineText.slice(0, charIndex(location.lineText, location.column));
    const column = before.length + 1;
    errors.push({ file, line: location.line, column, text: m.text });
    const gutter = " ".repeat(String(location.line).length);
    blocks.push(
      [
        `${file}:${location.line}:${column}: error: ${m.text}`,
        `    ${location.line} │ ${location.lineText}`,
        `    ${gutter} ╵ ${" ".repeat(before.length)}^`,
        ...notes,
      ].join("\n"),
    );
  }
  return { message: blocks.join("\n\n"), errors };
}

function charIndex(lineText: string, byteColumn: number): number {
  return Buffer.from(lineText, "utf8").subarray(0, byteColumn).toString("utf8").length;
}
