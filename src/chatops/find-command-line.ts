/** The longest command line taken: a longer one is refused, not parsed (a comment may hold 65 536 characters). */
export const MAX_COMMAND_CHARS = 8 * 1024;

/** What a comment's body holds for chorebot: nothing, its one command line, or something it refuses. */
export type CommandLine = { kind: "none" } | { kind: "command"; line: string } | { kind: "too-long"; chars: number } | { kind: "several"; count: number };

const COMMAND = /^ {0,3}\/chorebot(?=\s|$)/i;
const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const QUOTE = /^ {0,3}>/;

/**
 * The `/chorebot` line of a comment, as GitHub renders it: a line that starts with
 * `/chorebot` (up to three spaces before it) in the comment's own text. A line inside a
 * `>` quote (its lazy continuation lines included: GitHub shows them quoted), a fenced
 * code block, an indented one (four spaces: never a command) or an HTML comment is someone's text being shown, not a command: it
 * does not count. One command per comment.
 */
export function findCommandLine(body: string): CommandLine {
  const lines = body.split(/\r\n|\r|\n/);
  const found: string[] = [];
  let fence: { char: string; length: number } | null = null;
  let quoted = false;
  let inHtmlComment = false;
  for (const line of lines) {
    if (fence) {
      const close = FENCE_OPEN.exec(line);
      if (close && close[1]![0] === fence.char && close[1]!.length >= fence.length && close[2]!.trim() === "") fence = null;
      continue;
    }
    if (inHtmlComment) {
      if (line.includes("-->")) inHtmlComment = false;
      continue;
    }
    if (line.trim() === "") {
      quoted = false;
      continue;
    }
    const open = FENCE_OPEN.exec(line);
    // A backtick fence's info string holds no backtick (CommonMark): "```x`" is not a fence.
    if (open && !(open[1]![0] === "`" && open[2]!.includes("`"))) {
      fence = { char: open[1]![0]!, length: open[1]!.length };
      quoted = false;
      continue;
    }
    if (QUOTE.test(line)) {
      quoted = true;
    } else if (!quoted && COMMAND.test(line)) {
      found.push(line.trim());
    }
    const opens = line.lastIndexOf("<!--");
    if (opens >= 0 && line.indexOf("-->", opens + 4) < 0) inHtmlComment = true;
  }
  if (found.length === 0) return { kind: "none" };
  if (found.length > 1) return { kind: "several", count: found.length };
  const line = found[0]!;
  return line.length > MAX_COMMAND_CHARS ? { kind: "too-long", chars: line.length } : { kind: "command", line };
}
