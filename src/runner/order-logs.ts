import type { CapturedOutput, OutputLine, ReportLog } from "../run-types.js";
import type { OutputMark } from "../sdk/channel-client.js";

// The smallest step a line's time is moved by to come after a log line recorded in the same
// millisecond: a power of two, so steps add up exactly, and far below what the log shows.
const STEP_MS = 2 ** -10;

/**
 * Puts log() lines and output lines in the script's order, as times the run log merges them
 * by (an output line first on a tie). A mark says how much of stdout and stderr the script
 * had written when it called log(), so every output line belongs to a segment: after the
 * marked log lines written before it ended, before the others. Lines are ordered by segment
 * (keeping the capture's order within one, and the capture's gap where it is), which also
 * orders stdout against stderr across log lines; each marked log line goes before the first
 * line of a later segment. A log line without a mark (another process's, or an old SDK's)
 * keeps its time of arrival. Each log line's time stays between its neighbours'; where both
 * share a millisecond, the lines after it move later by a fraction of one.
 *
 * `ends[i]` is where `output.lines[i]` ended in its stream; `marks[i]` belongs to `logs[i]`.
 */
export function orderLogs(
  output: CapturedOutput,
  ends: readonly number[],
  logs: readonly ReportLog[],
  marks: readonly (OutputMark | null)[],
): { output: CapturedOutput; logs: ReportLog[] } {
  if (logs.length === 0) return { output, logs: [] };
  // Byte counts only grow: a mark below an earlier one (forged) counts as the earlier one.
  const envelope: OutputMark[] = [];
  const markIndex: (number | null)[] = marks.map((mark) => {
    if (mark === null) return null;
    const last = envelope.at(-1);
    envelope.push(last === undefined ? mark : { stdout: Math.max(last.stdout, mark.stdout), stderr: Math.max(last.stderr, mark.stderr) });
    return envelope.length - 1;
  });
  const segmentOf = (line: OutputLine, end: number): number => (line.stream === "log" ? 0 : countBelow(envelope, line.stream, end));

  // Lines by segment, the head and the tail each on its own side of the gap.
  const split = output.omittedAt ?? output.lines.length;
  const entries = output.lines.map((line, i) => ({ line: { ...line }, segment: segmentOf(line, ends[i] ?? 0), i }));
  const bySegment = (a: (typeof entries)[number], b: (typeof entries)[number]) => a.segment - b.segment || a.i - b.i;
  const sorted = [...entries.slice(0, split).sort(bySegment), ...entries.slice(split).sort(bySegment)];
  // A line moved before lines that arrived earlier takes their time: times never go back.
  for (let i = sorted.length - 2; i >= 0; i--) sorted[i]!.line.t = Math.min(sorted[i]!.line.t, sorted[i + 1]!.line.t);
  const lines = sorted.map((entry) => entry.line);

  const placed: ReportLog[] = [];
  let at = 0;
  let floor = 0;
  logs.forEach((log, i) => {
    const index = markIndex[i] ?? null;
    const before = (j: number): boolean => (index === null ? lines[j]!.t <= log.t : sorted[j]!.segment <= index);
    while (at < lines.length && before(at)) at += 1;
    const low = Math.max(floor, at > 0 ? lines[at - 1]!.t : 0);
    const high = at < lines.length ? lines[at]!.t : Infinity;
    const t = log.t < high ? Math.max(low, log.t) : low;
    for (let j = at; j < lines.length && lines[j]!.t < t + STEP_MS; j++) lines[j]!.t = t + STEP_MS;
    placed.push({ ...log, t });
    floor = t;
  });
  return { output: { ...output, lines }, logs: placed };
}

/** How many marks (non-decreasing) are below `end` in `stream`: the log lines written before that line ended. */
function countBelow(marks: readonly OutputMark[], stream: "stdout" | "stderr", end: number): number {
  let low = 0;
  let high = marks.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (marks[mid]![stream] < end) low = mid + 1;
    else high = mid;
  }
  return low;
}
