import { httpUrl } from "../http-url.js";
import { formatDuration, formatOffset, formatTime } from "../format-time.js";
import { statusWord } from "../run-status-word.js";
import { stripTerminalEscapes } from "../strip-terminal-escapes.js";
import type { LiveRunView } from "./live-run-view.js";
import { liveSteps, type LiveSteps } from "./live-steps.js";
import { parkedKey } from "../parked-panel.js";
import { iterationShown, type IterationShown } from "../iteration-shown.js";

/**
 * The most characters of one output line a page shows, and of a result (the committed log has
 * them whole). A line is clipped before its escapes are stripped: stripTerminalEscapes takes
 * time quadratic in a line's length (190 ms for the runner's 16 KiB), and a record holds 200.
 */
export const MAX_LINE_CHARS = 2000;
const MAX_RESULT_CHARS = 64 * 1024;

/**
 * Where a page's output stands: the attempt it shows, whether its lines are the run's record
 * (the run ended) or the live tail saved while it runs, and the last line it has, as the time
 * of that line (`t`, ms since the start) and how many lines of that time it has (`k`).
 *
 * Why not a line count: the view is a bounded tail (the last 40 lines saved each second while
 * the script runs, then the record's last 200 with `log()` lines merged in), and nothing in it
 * says how many lines came before. A line's time stays put as the tail slides, and lines come
 * in time order, so "after (t, k)" survives the sliding (it would repeat a line only when more
 * lines than the tail holds share one millisecond). When the record replaces the live tail,
 * the page takes the record's tail whole (`replace`): `log()` lines merged in before the
 * cursor would otherwise be lost.
 */
export interface OutputCursor {
  attempt: number;
  recorded: boolean;
  t: number;
  k: number;
}

/** One line as the page shows it: its offset, stream and text, escapes stripped and clipped. */
export interface LiveLine {
  at: string;
  stream: "stdout" | "stderr" | "log";
  text: string;
}

/** What the page shows of a run besides its output, display-ready (every text the script made stripped of terminal escapes). */
export interface LiveState {
  /** The status word (queued, running, succeeded…) and whether it is final. */
  status: string;
  final: boolean;
  detail: string | null;
  message: string | null;
  started: string | null;
  finished: string | null;
  duration: string | null;
  /** The number the view shows: a percentage with a total, else the count done. */
  progress: number | null;
  done: number | null;
  total: number | null;
  counters: [string, string][] | null;
  result: string | null;
  /** The committed log; `url` only when it is an http(s) address. */
  log: { path: string; commit: string; url: string | null } | null;
  /** A workflow's steps; null for any other script (and before its first step ended). */
  steps: LiveSteps | null;
  /** What a parked run waits for, as a key (parkedKey): the page reloads for its new buttons when it changes. Null when not parked. */
  parked: string | null;
  /** An iteration's progress, as its panel shows it; null for any other script. */
  iteration: IterationShown | null;
}

/** One server-sent event: its type, its JSON data, and the cursor id it leaves the stream at (none for a state alone). */
export interface LiveEvent {
  event: "state" | "output" | "end";
  id?: string;
  data: unknown;
}

/** What a stream remembers between polls. */
export interface StreamMemory {
  cursor: OutputCursor | null;
  state: LiveState | null;
}

export function cursorId(cursor: OutputCursor): string {
  return `${cursor.attempt}-${cursor.recorded ? "r" : "l"}-${cursor.t}-${cursor.k}`;
}

/** The cursor an id names; null for anything else (a made-up or old id starts afresh). */
export function parseCursor(id: string | null | undefined): OutputCursor | null {
  const match = /^([1-9]\d{0,5})-([rl])-(-1|\d{1,12})-(\d{1,6})$/.exec(id ?? "");
  if (!match) return null;
  return { attempt: Number(match[1]), recorded: match[2] === "r", t: Number(match[3]), k: Number(match[4]) };
}

/** Whether the view's output is the run's record (the script ended) rather than its live tail. */
function isRecorded(view: Pick<LiveRunView, "status">): boolean {
  return view.status !== "queued" && view.status !== "waiting" && view.status !== "running";
}

/** The cursor at the end of a view's output: what a page rendered from it has. */
export function cursorOf(view: LiveRunView): OutputCursor {
  const lines = view.output ?? [];
  const last = lines.at(-1);
  const base = { attempt: view.attempt ?? 1, recorded: isRecorded(view) };
  if (last === undefined) return { ...base, t: -1, k: 0 };
  let k = 0;
  for (let i = lines.length - 1; i >= 0 && lines[i]!.t === last.t; i--) k++;
  return { ...base, t: last.t, k };
}

/**
 * The output lines of `view` a page at `cursor` does not have: all of them, to replace what
 * it shows, when it has nothing yet, another attempt's lines, or the live tail where the
 * record now is; else those after the cursor.
 */
export function outputAfter(cursor: OutputCursor | null, view: LiveRunView): { lines: LiveLine[]; replace: boolean; cursor: OutputCursor } {
  const lines = view.output ?? [];
  const next = cursorOf(view);
  const replace = cursor === null || cursor.attempt !== next.attempt || cursor.recorded !== next.recorded;
  if (replace) return { lines: lines.map(liveLine), replace, cursor: next };
  let sameTime = 0;
  const fresh = lines.filter((line) => {
    if (line.t < cursor.t) return false;
    if (line.t === cursor.t) return ++sameTime > cursor.k;
    return true;
  });
  // Nothing new: the cursor stays (the tail may have emptied, it does not go back).
  return { lines: fresh.map(liveLine), replace, cursor: fresh.length > 0 ? next : cursor };
}

function liveLine(line: NonNullable<LiveRunView["output"]>[number]): LiveLine {
  return { at: formatOffset(line.t), stream: line.stream, text: lineText(line.text) };
}

/** An output line as a page shows it: clipped, then stripped of terminal escapes. */
export function lineText(text: string): string {
  return text.length > MAX_LINE_CHARS ? `${stripTerminalEscapes(text.slice(0, MAX_LINE_CHARS))}…` : stripTerminalEscapes(text);
}

/** What a page shows of a view besides its output. */
export function stateOf(view: LiveRunView): LiveState {
  const status = statusWord(view);
  const url = httpUrl(view.log?.url) ?? null;
  return {
    status: status.word,
    final: status.final,
    detail: status.detail === null ? null : stripTerminalEscapes(status.detail),
    message: view.message === null ? null : stripTerminalEscapes(view.message),
    started: view.started_at ? formatTime(view.started_at) : null,
    finished: view.finished_at ? formatTime(view.finished_at) : null,
    duration: view.duration_ms === null ? null : formatDuration(view.duration_ms),
    progress: view.progress,
    done: view.progress_done ?? null,
    total: view.progress_total ? view.progress_total : null,
    counters: view.counters === null ? null : Object.entries(view.counters).map(([name, value]) => [stripTerminalEscapes(name), String(value)]),
    result: view.result === null || view.result === undefined ? null : resultText(view.result),
    log: view.log === null ? null : { path: view.log.path, commit: view.log.commit.slice(0, 7), url },
    steps: liveSteps(view.workflow, status.final),
    parked: parkedKey(view),
    iteration: iterationShown(view),
  };
}

/** The fields of `next` that differ from `previous` (all of them when there is none); null when none does. */
export function changedState(previous: LiveState | null, next: LiveState): Partial<LiveState> | null {
  const changed: Partial<Record<keyof LiveState, unknown>> = {};
  for (const key of Object.keys(next) as (keyof LiveState)[]) {
    if (previous === null || JSON.stringify(previous[key]) !== JSON.stringify(next[key])) changed[key] = next[key];
  }
  return Object.keys(changed).length > 0 ? (changed as Partial<LiveState>) : null;
}

/**
 * The events that bring a page from `memory` to `view`: its changed state, then its new
 * output lines. Every event carries the cursor's id, so a reconnect's `Last-Event-ID` says
 * which lines the page has (its state is sent whole on every connection: it is small).
 */
export function runEvents(memory: StreamMemory, view: LiveRunView): { events: LiveEvent[]; memory: StreamMemory } {
  const state = stateOf(view);
  const output = outputAfter(memory.cursor, view);
  const id = cursorId(output.cursor);
  const events: LiveEvent[] = [];
  const changed = changedState(memory.state, state);
  if (changed !== null) events.push({ event: "state", id, data: changed });
  if (output.lines.length > 0 || (output.replace && memory.cursor !== null)) {
    events.push({ event: "output", id, data: { replace: output.replace, lines: output.lines } });
  }
  return { events, memory: { cursor: output.cursor, state } };
}

/** Whether the stream has said all there is: the status is final and the log link landed (or no log will). */
export function isOver(state: LiveState): boolean {
  return state.final && state.log !== null;
}

/** A result as indented JSON, escapes stripped, cut past MAX_RESULT_CHARS. */
export function resultText(result: unknown): string {
  let text: string;
  try {
    text = typeof result === "string" ? result : (JSON.stringify(result, null, 2) ?? String(result));
  } catch {
    text = String(result);
  }
  return clip(stripTerminalEscapes(text), MAX_RESULT_CHARS, "\n… (cut here; the committed log has all of it)");
}

function clip(text: string, max: number, marker = "…"): string {
  return text.length > max ? `${text.slice(0, max)}${marker}` : text;
}
