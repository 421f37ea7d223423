import { posix } from "node:path";
import { stringify } from "yaml";
import { formatDuration } from "../runlog/format-duration.js";
import { markdownText } from "../runlog/markdown-text.js";
import { STATUS_HEADLINES } from "../runlog/status-headlines.js";
import type { DigestRow, OccurrenceStatus, ScheduleRef } from "./schedule-types.js";

/** One schedule's day, as its digest shows it. */
export interface DigestInput {
  ref: ScheduleRef;
  /** `yyyy-mm-dd` (UTC). */
  day: string;
  /** In the order shown (by occurrence, then try). */
  rows: readonly DigestRow[];
  /** Rows the day's cap left out. */
  dropped: number;
  /** Where the digest itself goes: links to the tries' own logs are relative to it. */
  path: string;
}

const EMOJI: Record<OccurrenceStatus, string> = {
  ...Object.fromEntries(Object.entries(STATUS_HEADLINES).map(([s, h]) => [s, h.emoji])),
  skipped: "⏭️",
} as Record<OccurrenceStatus, string>;

/**
 * The Markdown digest of one schedule's UTC day: front matter for machines, a heading, a
 * one-line count by status, then one table row per try (or occurrence that ran nothing).
 * Whatever a script or person wrote (results, counter names, reasons) is shown in code spans
 * or escaped text, so it cannot end a cell, add a row, or make a link; the only links are to
 * the tries' own logs, and only to paths shaped like the ones chorebot writes.
 */
export function renderDigest(input: DigestInput): string {
  const { ref, day, rows } = input;
  const counts = new Map<OccurrenceStatus, number>();
  for (const row of rows) counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
  const frontMatter = {
    repository: `${ref.owner}/${ref.repo}`,
    chore: ref.chore,
    scheduler: ref.schedulerId,
    day,
    rows: rows.length,
    dropped_rows: input.dropped,
    statuses: Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b))),
  };
  const yaml = stringify(frontMatter, { compat: "yaml-1.1", lineWidth: 0 });
  const tally = [...counts].map(([status, n]) => `${n} ${status.replace("_", " ")}`).join(", ");
  const parts = [
    `---\n${yaml}---\n`,
    `# Schedule of ${markdownText(ref.chore)} on ${day} (UTC)\n`,
    `${rows.length === 0 ? "No occurrence recorded." : `${rows.length} ${rows.length === 1 ? "entry" : "entries"}: ${tally}.`} A run committed on its own (a failure streak's start, a recovery) is linked; the rest are only here and in chorebot's run history.\n`,
  ];
  if (input.dropped > 0) parts.push(`> [!WARNING]\n> ${input.dropped} more entries this day are not listed: a digest keeps at most ${rows.length}.\n`);
  if (rows.length > 0) {
    const header = "| occurrence | try | status | started | duration | counters | result | note | log |\n|---|---|---|---|---|---|---|---|---|";
    parts.push(`${header}\n${rows.map((row) => tableRow(row, input.path, day)).join("\n")}\n`);
  }
  return parts.join("\n");
}

function tableRow(row: DigestRow, digestPath: string, day: string): string {
  const cells = [
    timeIn(day, row.occurrence),
    row.attempt === 0 ? "–" : String(row.attempt),
    `${EMOJI[row.status] ?? ""} ${markdownText(row.status)}`,
    row.startedAt === null ? "–" : timeIn(day, row.startedAt),
    row.durationMs === null ? "–" : formatDuration(row.durationMs),
    Object.keys(row.counters).length === 0
      ? ""
      : codeCell(
          Object.entries(row.counters)
            .map(([name, n]) => `${name}=${n}`)
            .join(", "),
        ),
    row.result === null ? "" : codeCell(row.result),
    row.note === null ? "" : markdownText(row.note),
    logLink(row.logPath, digestPath),
  ];
  return `| ${cells.join(" | ")} |`;
}

/**
 * `HH:MM:SS` of an ISO time of the digest's day, `yyyy-mm-dd HH:MM:SS` of another (a row that
 * arrived days late goes to the day it arrives on: it must not read as an occurrence of that
 * day), else the text, escaped.
 */
function timeIn(day: string, iso: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/.test(iso)) return markdownText(iso);
  return iso.startsWith(`${day}T`) ? iso.slice(11, 19) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/**
 * Text in a code span in a table cell: no emphasis, HTML or links inside, `|` escaped (GFM
 * takes `\|` as a pipe even inside a code span), one line, and delimited by more backticks
 * than any run inside.
 */
function codeCell(text: string): string {
  const line = text.replace(/[\r\n\t\v\f\u2028\u2029]+/g, " ").replace(/\|/g, "\\|");
  let longest = 0;
  for (const run of line.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const ticks = "`".repeat(longest + 1);
  return `${ticks} ${line} ${ticks}`;
}

// What chorebot's own log names are made of (see encodeSegment in run-log-path.ts).
const LOG_PATH = /^[\p{L}\p{N}_.%/-]+\.md$/u;

/** A link to a try's own log, relative to the digest; nothing for a path chorebot would not write. */
function logLink(logPath: string | null, digestPath: string): string {
  if (logPath === null || !LOG_PATH.test(logPath) || logPath.split("/").includes("..")) return "";
  const relative = posix.relative(posix.dirname(digestPath), logPath);
  // `%` as in the file's name, not an escape GitHub would decode.
  const target = relative
    .split("/")
    .map((segment) => segment.replace(/%/g, "%25"))
    .join("/");
  return `[log](${target})`;
}
