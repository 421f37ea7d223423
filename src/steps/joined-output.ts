import type { CapturedOutput, OutputLine } from "../run-types.js";
import type { RunSegment } from "../stores/run-segments.js";

/**
 * A run's whole output when it ran in several processes (it parked at waits): each earlier
 * process's lines, a marker line saying what it parked for and how it went on, then the last
 * process's, their times counted from the first start. `last.ran` false: the run ended where it
 * was parked (a paused iteration cancelled), and the last marker says so. Bounded like one
 * process's output: past `maxBytes` the middle is dropped (the head and tail kept), and counted.
 */
export function joinedOutput(
  segments: readonly RunSegment[],
  last: { startedAt: string; output: CapturedOutput; ran?: boolean },
  maxBytes: number,
): CapturedOutput {
  if (segments.length === 0) return last.output;
  const origin = Date.parse(segments[0]!.startedAt);
  const lines: OutputLine[] = [];
  let omittedBytes = 0;
  let omittedAt: number | null = null;
  const append = (output: CapturedOutput, startedAt: string) => {
    const offset = Math.max(0, Date.parse(startedAt) - origin);
    if (output.omittedAt !== null && omittedAt === null) omittedAt = lines.length + output.omittedAt;
    omittedBytes += output.omittedBytes;
    for (const line of output.lines) lines.push({ ...line, t: line.t + offset });
  };
  segments.forEach((segment, i) => {
    append(segment.output, segment.startedAt);
    const next = segments[i + 1]?.startedAt ?? last.startedAt;
    const how = segments[i + 1] === undefined && last.ran === false ? `ended there at ${next}, without going on` : `went on in a new process at ${next}`;
    lines.push({ t: Math.max(0, Date.parse(next) - origin), stream: "stdout", text: `── ${segment.parkedFor}; ${how} ──` });
  });
  append(last.output, last.startedAt);
  return bounded({ lines, omittedBytes, omittedAt }, maxBytes);
}

function bounded(output: CapturedOutput, maxBytes: number): CapturedOutput {
  const size = (line: OutputLine) => Buffer.byteLength(line.text) + 1;
  const total = output.lines.reduce((sum, line) => sum + size(line), 0);
  if (total <= maxBytes) return output;
  const half = Math.floor(maxBytes / 2);
  let head = 0;
  for (let used = 0; head < output.lines.length && used + size(output.lines[head]!) <= half; head++) used += size(output.lines[head]!);
  let tail = output.lines.length;
  for (let used = 0; tail > head && used + size(output.lines[tail - 1]!) <= half; tail--) used += size(output.lines[tail - 1]!);
  const dropped = output.lines.slice(head, tail).reduce((sum, line) => sum + size(line), 0);
  return { lines: [...output.lines.slice(0, head), ...output.lines.slice(tail)], omittedBytes: output.omittedBytes + dropped, omittedAt: head };
}
