import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex, Readable } from "node:stream";
import type { ExecutionReport, ExecutionResult, IterationReport, OutputLine, RunStatus, WorkflowEntry, WorkflowReport } from "../run-types.js";
import { ORDER_ENV, type ChannelMessage, type OutputMark } from "../sdk/channel-client.js";
import {
  CHANNEL_ENV,
  INPUTS_ENV,
  RESUME_ENV,
  type BatchReport,
  type IterationDescription,
  type IterationResumption,
  type ReportMessage,
  type Resumption,
  type StepReport,
  type WorkflowStepDescription,
} from "../sdk/protocol.js";
import { needsBareImportHook, writeBareImportHook } from "./bare-import-hook.js";
import { currentClaim } from "./claim.js";
import { deadlineLine, FENCED, LIFELINE_FD, STARTED, TERM_LINE, withLifeline, withStartNotice } from "./lifeline.js";
import { IterationRecord } from "./iteration-record.js";
import { iterationVerdict } from "./iteration-verdict.js";
import { explainMissingPackage } from "./missing-package.js";
import { orderLogs } from "./order-logs.js";
import { OutputCapture } from "./output-capture.js";
import { contain, containment, MARKER_ENV, type Containment } from "./process-containment.js";
import { DEFAULT_KILL_GRACE_MS } from "./kill-grace.js";
import { ReportAggregator } from "./report-aggregator.js";
import { MAX_REPORT_LINE_BYTES, openReportChannel, type ReportChannelStats } from "./report-channel.js";
import { readUncaughtError, writeUncaughtErrorHook } from "./uncaught-error-hook.js";
import { WorkflowRecord } from "./workflow-record.js";
import { workflowVerdict } from "./workflow-verdict.js";

// After the script exits, its watcher kills what it left and its pipes close at once, unless
// something escaped (setsid and a scrubbed environment, without a PID namespace) and still
// holds them: never wait on that for long.
const DRAIN_TIMEOUT_MS = 2000;
// setTimeout fires at once for longer delays (~24.8 days); a longer timeout means "never".
const MAX_TIMER_MS = 2 ** 31 - 1;
// The run's `message` is one line; the whole fail reason is in `report.failReason`.
const MAX_MESSAGE_CHARS = 300;
// Report messages waiting behind a log line whose output has not been read yet (a script's
// output can queue far behind its log lines while the pipe is full); past either limit the
// oldest goes on regardless, so a mark the output never reaches cannot hold memory.
const MAX_HELD_MESSAGES = 10_000;
const MAX_HELD_CHARS = 4 * 1024 * 1024;

export interface RunScriptOptions {
  code: string;
  cwd: string;
  /**
   * The child's whole environment; nothing is inherited. The runner adds CHOREBOT_CHANNEL
   * (always) and CHOREBOT_INPUTS (when given inputs), over any of the same name.
   */
  env: Record<string, string>;
  /** Raw input strings for an SDK script, passed as JSON in CHOREBOT_INPUTS. */
  inputs?: Record<string, string>;
  /** Every valid report message as it arrives, already redacted (see ExecutionResult.report). */
  onReport?: (message: ReportMessage) => void;
  timeoutMs: number;
  maxOutputBytes?: number;
  redact?: (text: string) => string;
  onLine?: (line: OutputLine) => void;
  /** Between SIGTERM and SIGKILL when the script is stopped; default 5000 (a workflow's: see kill-grace.ts). */
  killGraceMs?: number;
  /** Aborting stops the script like a timeout does, with status `cancelled` (e.g. Ctrl-C in the CLI). */
  signal?: AbortSignal;
  /** A cancelled run's message (who cancelled it, or why it was stopped); default "cancelled while running". */
  cancelledMessage?: () => string;
  /**
   * For a workflow: its declared steps and the largest its state may be (JSON bytes). Its step
   * messages are then folded into `report.workflow` (workflow-record.ts), each acked once
   * `onStep` has resolved, and its status is judged from them (workflow-verdict.ts).
   */
  /**
   * `earlier`: when the workflow goes on (`resume`), the record its earlier processes left (the
   * ledger's): its entries stay in this run's record, which is numbered on from them.
   */
  workflow?: { steps: readonly WorkflowStepDescription[]; stateLimit: number; earlier?: WorkflowReport };
  /**
   * Where a workflow goes on from (after a wait, or a person's Resume or Roll back): written to
   * a file in the run's private temp dir (mode 0600, removed with it) named by CHOREBOT_RESUME.
   */
  resume?: Resumption;
  /**
   * Persists a workflow's record after each of its steps (`entry` is that step's; `resume`,
   * where the workflow would go on from after it: see ResumePoint). The script waits for the
   * ack, which is written only once this has resolved: a rejection leaves it waiting (until
   * the run's timeout or fence). Absent (a local run): acked at once.
   */
  onStep?: (record: WorkflowReport, entry: WorkflowEntry, resume: ResumePoint | null) => Promise<void>;
  /**
   * For an iteration: its options as read from its source. Its batch messages are then folded
   * into `report.iteration` (refused when impossible: see IterationReport.refused), each acked
   * once `onBatch` has resolved, and a process that stopped after an ack saying `pause` is
   * `paused`. `earlier`: when it goes on (`resumeIteration`), the record its earlier processes left.
   */
  iteration?: { description: IterationDescription; earlier?: IterationReport };
  /** Where an iteration goes on from (after a pause, or a person's Resume): written like `resume`, to the file named by CHOREBOT_RESUME. */
  resumeIteration?: IterationResumption;
  /**
   * Persists an iteration's checkpoint after each batch (`batch` as sent, its cursor RAW;
   * `record` the record so far, redacted) and says whether a person asked it to pause. The
   * script waits for the ack, written only once this has resolved: a rejection leaves it
   * waiting (until the run's timeout or fence). Absent (a local run): acked at once, no pause.
   */
  onBatch?: (batch: BatchReport, record: IterationReport) => Promise<{ pause: boolean }>;
  /** How what the script starts is made to end with it; default: the best this host allows. */
  containment?: Containment;
}

/**
 * Where a workflow goes on from after a report: its number and the RAW (unredacted) state the
 * next run starts from, for a succeeded run (its state after) or a `waiting` one (the state the
 * waiting step started from, to run again from); null after a failure or a rollback.
 */
export interface ResumePoint {
  seq: number;
  state: unknown;
}

// "fence": its watcher stopped it because the worker's claim on the run lapsed (claim.ts).
type StopReason = "timeout" | "abort" | "fence";
type Outcome = { started: true; code: number | null; signal: NodeJS.Signals | null; stoppedBy: StopReason | null } | { started: false; error: Error };

/**
 * Runs a bundled ES module with `node` and captures its output, and what it reports over
 * the report channel (a UNIX socket in the run's temp dir, named by CHOREBOT_CHANNEL) into
 * `report`. A script that reported `fail` is `failed` with the
 * reason as `message`, whatever its exit code (a timeout or cancellation still says so).
 * Script behaviour (non-zero exit, crash, hang, noise) is a result, never an exception.
 * Everything the script started dies when it ends (process-containment.ts), and by the
 * deadline of the claim it runs under, if any (claim.ts): then it is `lost`.
 */
export async function runScript(o: RunScriptOptions): Promise<ExecutionResult> {
  const dir = await mkdtemp(join(tmpdir(), "chorebot-run-"));
  try {
    const script = join(dir, "script.mjs");
    let start = performance.now();
    const report = new ReportAggregator({
      now: () => Math.max(0, Math.floor(performance.now() - start)),
      ...(o.redact === undefined ? {} : { redact: o.redact }),
    });
    const workflow =
      o.workflow === undefined
        ? null
        : new WorkflowRecord({
            ...o.workflow,
            ...(o.redact === undefined ? {} : { redact: o.redact }),
            ...(o.resume === undefined ? {} : { resume: o.resume }),
          });
    // Folded at once, in order (the channel hands steps on one at a time); acked once persisted.
    const onStep = async (step: StepReport): Promise<boolean> => {
      const record = workflow?.add(step) ?? null;
      const entry = workflow?.last() ?? null;
      if (record === null || entry === null) return false;
      const goesOn = step.direction === "run" && (step.outcome === "succeeded" || step.outcome === "waiting");
      await o.onStep?.(record, entry, goesOn ? { seq: step.seq, state: step.state } : null);
      // Shown as recorded: redacted, without the raw state the workflow started from.
      const { before: _before, ...shown } = step;
      o.onReport?.({ type: "step", report: { ...shown, error: entry.error, state: record.state } });
      return true;
    };
    const iteration =
      o.iteration === undefined
        ? null
        : new IterationRecord({
            description: o.iteration.description,
            ...(o.iteration.earlier === undefined ? {} : { earlier: o.iteration.earlier }),
            ...(o.resumeIteration === undefined ? {} : { resume: o.resumeIteration }),
            ...(o.redact === undefined ? {} : { redact: o.redact }),
          });
    // Folded at once, in order (the channel hands batches on one at a time); acked once checkpointed.
    const onBatch = async (batch: BatchReport): Promise<{ pause: boolean } | false> => {
      const record = iteration?.add(batch) ?? null;
      if (record === null || iteration === null) return false;
      let answer: { pause: boolean };
      try {
        answer = o.onBatch === undefined ? { pause: false } : await o.onBatch(batch, record);
      } catch (error) {
        // Not checkpointed: the script waits unacked, and the record must not say otherwise.
        iteration.unsaved();
        throw error;
      }
      // Said as asked, even with the last batch (the script then says the pause came too late); the record has it finished.
      const pause = answer.pause === true;
      iteration.acked(pause);
      // Shown as recorded: the cursor redacted, one line.
      o.onReport?.({ type: "batch", report: { ...batch, cursor: record.checkpoint?.cursor ?? null } });
      return { pause };
    };
    const deliver = (message: ChannelMessage): void => {
      const kept = report.add(message);
      if (kept?.type === "progress") iteration?.progress(kept.done, kept.total);
      if (kept !== null) o.onReport?.(kept);
    };
    // A log line whose mark the output has not reached yet, and every message after it, waits
    // for the output written before it, so it is shown live after that output too.
    const held: { message: ChannelMessage; chars: number }[] = [];
    let heldChars = 0;
    let capture: OutputCapture | null = null;
    const release = (all = false): void => {
      while (held.length > 0 && (all || held.length > MAX_HELD_MESSAGES || heldChars > MAX_HELD_CHARS || !waits(held[0]!.message, capture))) {
        const next = held.shift()!;
        heldChars -= next.chars;
        deliver(next.message);
      }
    };
    // The raw cursor too: readable by the script's user alone.
    const resumption: Resumption | IterationResumption | undefined = o.resume ?? o.resumeIteration;
    const [hook, errorHook, channel] = await Promise.all([
      needsBareImportHook(o.code) ? writeBareImportHook(dir) : null,
      writeUncaughtErrorHook(dir),
      openReportChannel(
        dir,
        (message) => {
          const chars = message.type === "log" ? message.message.length : JSON.stringify(message).length;
          held.push({ message, chars });
          heldChars += chars;
          release();
        },
        {
          // A step line carries the whole state: up to the limit, plus room for the rest of the report.
          ...(workflow === null ? {} : { onStep, maxStepLineBytes: 2 * o.workflow!.stateLimit + MAX_REPORT_LINE_BYTES }),
          ...(iteration === null ? {} : { onBatch }),
        },
      ),
      writeFile(script, o.code),
      // Only the script's user may read it: the state may hold what the redacted record does not.
      resumption === undefined ? null : writeFile(join(dir, "resume.json"), JSON.stringify(resumption), { mode: 0o600 }),
    ]);
    let channelStats: Promise<ReportChannelStats> | null = null;
    const closeChannel = (): Promise<ReportChannelStats> => (channelStats ??= channel.close());
    try {
      const mode = o.containment ?? containment();
      const env: Record<string, string> = {
        ...o.env,
        [CHANNEL_ENV]: channel.path,
        // Only for a bundle with the SDK (which reads it): a plain script's environment is what it was handed.
        ...(o.code.includes(ORDER_ENV) ? { [ORDER_ENV]: "1" } : {}),
        ...(o.inputs === undefined ? {} : { [INPUTS_ENV]: JSON.stringify(o.inputs) }),
        ...(resumption === undefined ? {} : { [RESUME_ENV]: join(dir, "resume.json") }),
        ...(mode === "marker-sweep" ? { [MARKER_ENV]: randomBytes(16).toString("hex") } : {}),
      };
      const startedAt = new Date();
      start = performance.now();
      capture = new OutputCapture({
        startedAt: start,
        ...(o.maxOutputBytes === undefined ? {} : { maxBytes: o.maxOutputBytes }),
        ...(o.redact === undefined ? {} : { redact: o.redact }),
        ...(o.onLine === undefined ? {} : { onLine: o.onLine }),
        onWritten: () => release(),
      });
      // The channel drains while the pipes do, once the script's group is gone. closeChannel() is
      // memoized: the promise started there is the one awaited just below.
      const outcome = await supervise(
        o,
        mode,
        env,
        // Source maps: stack traces name the script's TypeScript lines (bundle-script.ts).
        ["--enable-source-maps", "--import", errorHook, ...(hook === null ? [] : ["--import", hook]), script],
        capture,
        () => void closeChannel(),
      );
      const stats = await closeChannel();
      // The last partial lines first: a log line may wait for them.
      const captured = capture.endWithEnds();
      release(true);
      // A workflow or an iteration that goes on has a record already, whatever this process says.
      const received = stats.lines + stats.oversized > 0 || (workflow?.report().entries.length ?? 0) > 0 || o.resumeIteration !== undefined;
      const ended = received ? report.end(stats.malformed + stats.oversized + (workflow?.refused() ?? 0) + (iteration?.refused() ?? 0)) : undefined;
      const aggregated =
        ended === undefined
          ? ended
          : {
              ...ended,
              ...(workflow === null ? {} : { workflow: workflow.report() }),
              ...(iteration === null ? {} : { iteration: iteration.report() }),
            };
      // The record in the script's order: log lines among the output where it wrote them.
      const ordered = aggregated === undefined ? null : orderLogs(captured.output, captured.ends, aggregated.logs, report.logMarks());
      const reported = aggregated === undefined || ordered === null ? aggregated : { ...aggregated, logs: ordered.logs };
      const output = ordered?.output ?? captured.output;
      const uncaught = await readUncaughtError(dir);
      const said = uncaught === null ? null : (o.redact ?? String)(explainMissingPackage(uncaught, o.cwd));
      const judged = judge(outcome, o, reported, said);
      const verdict =
        iteration !== null
          ? iterationVerdict(iteration.report(), judged, { last: iteration.last(), reportedAfterEnd: iteration.reportedAfterEnd() })
          : reported?.workflow === undefined || workflow === null
            ? judged
            : workflowVerdict(reported.workflow, judged, {
                judged: workflow.judged(),
                failure: workflow.failure(),
                waiting: workflow.waiting(),
                reportedAfterWait: workflow.reportedAfterWait(),
              });
      return {
        status: verdict.status,
        exitCode: outcome.started ? outcome.code : null,
        signal: outcome.started ? outcome.signal : null,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        durationMs: Math.round(performance.now() - start),
        output,
        message: verdict.message,
        ...(reported === undefined ? {} : { report: reported }),
      };
    } finally {
      await closeChannel();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Spawns node, enforces the timeout, abort and claim, and returns once everything it started
 * was killed. `onGone` is called as soon as it was, before its pipes are drained.
 */
async function supervise(
  o: RunScriptOptions,
  mode: Containment,
  env: Record<string, string>,
  args: string[],
  capture: OutputCapture,
  onGone: () => void,
): Promise<Outcome> {
  const claim = currentClaim();
  let child: ChildProcess;
  try {
    // detached: the script gets its own process group. The extra pipe is its lifeline
    // (LIFELINE_FD): ending this end, or this process dying, makes the watcher kill
    // everything the script started.
    const firstDeadlineMs = claim === undefined ? null : claim.deadline() - performance.now();
    const script = withStartNotice([process.execPath, ...args], env);
    const [command, ...commandArgs] = contain(mode, script, (contained) => withLifeline(contained, env, firstDeadlineMs));
    child = spawn(command!, commandArgs, {
      cwd: o.cwd,
      env,
      stdio: ["ignore", "pipe", "pipe", "pipe"],
      detached: true,
    });
  } catch (error) {
    return { started: false, error: error instanceof Error ? error : new Error(String(error)) };
  }
  const stdout = readable(child, 1);
  const stderr = readable(child, 2);
  const lifeline = duplex(child, LIFELINE_FD);
  // The watcher writes only FENCED, the launcher STARTED; the script could write anything.
  // Never let it throw here. A `term` before STARTED would find no process to signal in a
  // PID namespace and be lost: it waits for STARTED.
  let fenced = false;
  let started = false;
  let termHeld = false;
  lifeline.on("data", (chunk: Buffer) => {
    const text = chunk.toString("latin1");
    fenced ||= text.includes(FENCED);
    if (started || !text.includes(STARTED)) return;
    started = true;
    if (termHeld) lifeline.write(TERM_LINE);
  });
  lifeline.on("error", () => {});
  const lifelineClosed = new Promise((resolve) => lifeline.once("close", resolve));
  stdout.on("data", (chunk: Buffer) => capture.write("stdout", chunk));
  stderr.on("data", (chunk: Buffer) => capture.write("stderr", chunk));
  // Not the child's 'close', which would wait for the lifeline too.
  const closed = Promise.all([stdout, stderr].map((s) => new Promise((resolve) => s.once("close", resolve))));
  const ended = new Promise<{ error: Error } | { code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("error", (error) => resolve({ error }));
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  // Each renewal of the claim moves the watcher's deadline.
  const unsubscribe = claim?.onChange(() => lifeline.write(deadlineLine(claim.deadline() - performance.now())));

  let stoppedBy: StopReason | null = null;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (reason: StopReason): void => {
    const pid = child.pid;
    if (stoppedBy !== null || pid === undefined) return;
    stoppedBy = reason;
    // The watcher signals the script and what it started: in a namespace it reaches them
    // all, and a SIGTERM to our child would stop nsenter before the script.
    if (started) lifeline.write(TERM_LINE);
    else termHeld = true;
    // Our child alone: once it is gone, the watcher kills the rest (a SIGKILL to the group
    // would stop the watcher before it swept what left the group).
    killTimer = setTimeout(() => signal(pid, "SIGKILL"), Math.min(o.killGraceMs ?? DEFAULT_KILL_GRACE_MS, MAX_TIMER_MS));
  };
  const timeoutTimer = setTimeout(() => stop("timeout"), Math.min(o.timeoutMs, MAX_TIMER_MS));
  const onAbort = (): void => stop("abort");
  if (o.signal?.aborted) onAbort();
  else o.signal?.addEventListener("abort", onAbort, { once: true });

  const end = await ended;
  // Past its claim's deadline when it died, the watcher's kill is the likely end, even when its
  // FENCED never reaches us: the lifeline may be torn down first (a deadline written to a
  // watcher that has exited fails, and what it had written is dropped with it).
  const lapsed = claim !== undefined && claim.deadline() <= performance.now();
  clearTimeout(timeoutTimer);
  clearTimeout(killTimer);
  unsubscribe?.();
  o.signal?.removeEventListener("abort", onAbort);
  if ("error" in end) {
    lifeline.destroy();
    return { started: false, error: end.error };
  }

  // Whatever the script left running (a `sleep 300`, a detached child) goes with it: the
  // watcher sees the lifeline end, kills it all, and exits, which closes the lifeline.
  let drainTimer: NodeJS.Timeout | undefined;
  const drainLimit = new Promise((resolve) => (drainTimer = setTimeout(resolve, DRAIN_TIMEOUT_MS)));
  lifeline.end();
  await Promise.race([lifelineClosed, drainLimit]);
  // In case the watcher was gone before the script (the script can kill it).
  if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
  onGone();
  lifeline.destroy();
  await Promise.race([closed, drainLimit]);
  clearTimeout(drainTimer);
  stdout.destroy();
  stderr.destroy();
  return { started: true, ...end, stoppedBy: stoppedBy ?? ((fenced || lapsed) && end.signal === "SIGKILL" ? "fence" : null) };
}

/** Whether `message` is a log line written after output the capture has not taken in yet. */
function waits(message: ChannelMessage, capture: OutputCapture | null): boolean {
  if (message.type !== "log" || !("written" in message)) return false;
  if (capture === null) return true;
  const written: OutputMark = capture.written();
  return written.stdout < message.written.stdout || written.stderr < message.written.stderr;
}

/** `uncaught`: the script's last uncaught error, redacted, if it had one (uncaught-error-hook.ts). */
function judge(
  outcome: Outcome,
  o: Pick<RunScriptOptions, "timeoutMs" | "cancelledMessage">,
  report: ExecutionReport | undefined,
  uncaught: string | null,
): { status: RunStatus; message: string | null } {
  if (!outcome.started) return { status: "failed", message: `could not start node: ${outcome.error.message}` };
  if (outcome.stoppedBy === "timeout") return { status: "timed_out", message: `timed out after ${o.timeoutMs / 1000} s` };
  if (outcome.stoppedBy === "abort") return { status: "cancelled", message: o.cancelledMessage?.() ?? "cancelled while running" };
  if (outcome.stoppedBy === "fence") {
    return {
      status: "lost",
      message: "the worker could not renew its claim on the run (its job lock) in time; the script was stopped and may have partly run",
    };
  }
  const failReason = report?.failReason ?? null;
  if (failReason !== null) return { status: "failed", message: oneLine(failReason) };
  if (outcome.code === 0 && outcome.signal === null) return { status: "succeeded", message: null };
  // What ended it, in the script's own words first when it died of an error it did not catch.
  const ending = outcome.signal !== null ? `killed by ${outcome.signal}` : `exited with code ${outcome.code}`;
  if (uncaught === null) return { status: "failed", message: ending };
  return { status: "failed", message: `${oneLine(uncaught, MAX_MESSAGE_CHARS - ending.length - 3)} (${ending})` };
}

function oneLine(text: string, max = MAX_MESSAGE_CHARS): string {
  const line = text.replace(/\s*[\r\n]+\s*/g, " ").trim() || "failed";
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** The parent's end of a pipe the child was spawned with. */
function readable(child: ChildProcess, fd: number): Readable {
  const stream = child.stdio[fd];
  if (stream === null || stream === undefined || !("read" in stream)) throw new Error(`no pipe at fd ${fd}`);
  return stream;
}

/** The parent's end of a socket pair the child was spawned with (what 'pipe' is past fd 2). */
function duplex(child: ChildProcess, fd: number): Duplex {
  const stream = readable(child, fd);
  if (!("write" in stream)) throw new Error(`no socket at fd ${fd}`);
  return stream as Duplex;
}

function signalGroup(pid: number, name: NodeJS.Signals): void {
  signal(-pid, name);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // ESRCH: it is gone already, which is the point.
  }
}
