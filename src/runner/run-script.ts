import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { ExecutionReport, ExecutionResult, OutputLine, RunStatus } from "../run-types.js";
import { CHANNEL_ENV, DESCRIBE_ENV, INPUTS_ENV, type ReportMessage } from "../sdk/protocol.js";
import { needsBareImportHook, writeBareImportHook } from "./bare-import-hook.js";
import { LIFELINE_FD, withLifeline } from "./lifeline.js";
import { OutputCapture } from "./output-capture.js";
import { ReportAggregator } from "./report-aggregator.js";
import { openReportChannel, type ReportChannelStats } from "./report-channel.js";

// After the script exits and its process group is killed, its pipes close at once, unless
// something escaped the group (setsid) and still holds them: never wait on that for long.
const DRAIN_TIMEOUT_MS = 2000;
// setTimeout fires at once for longer delays (~24.8 days); a longer timeout means "never".
const MAX_TIMER_MS = 2 ** 31 - 1;
// The run's `message` is one line; the whole fail reason is in `report.failReason`.
const MAX_MESSAGE_CHARS = 300;

export interface RunScriptOptions {
  code: string;
  cwd: string;
  /**
   * The child's whole environment; nothing is inherited. The runner adds CHOREBOT_CHANNEL
   * (always) and CHOREBOT_INPUTS / CHOREBOT_DESCRIBE (when asked to), over any of the same name.
   */
  env: Record<string, string>;
  /** Raw input strings for an SDK script, passed as JSON in CHOREBOT_INPUTS. */
  inputs?: Record<string, string>;
  /** Sets CHOREBOT_DESCRIBE=1: an SDK script reports its definition and exits without running. */
  describe?: boolean;
  /** Every valid report message as it arrives, already redacted (see ExecutionResult.report). */
  onReport?: (message: ReportMessage) => void;
  timeoutMs: number;
  maxOutputBytes?: number;
  redact?: (text: string) => string;
  onLine?: (line: OutputLine) => void;
  /** Between SIGTERM and SIGKILL when the script is stopped; default 5000. */
  killGraceMs?: number;
  /** Aborting stops the script like a timeout does, with status `cancelled` (e.g. Ctrl-C in the CLI). */
  signal?: AbortSignal;
}

type StopReason = "timeout" | "abort";
type Outcome =
  | { started: true; code: number | null; signal: NodeJS.Signals | null; stoppedBy: StopReason | null }
  | { started: false; error: Error };

/**
 * Runs a bundled ES module with `node` in its own process group and captures its output,
 * and what it reports over the report channel (a UNIX socket in the run's temp dir, named
 * by CHOREBOT_CHANNEL) into `report`. A script that reported `fail` is `failed` with the
 * reason as `message`, whatever its exit code (a timeout or cancellation still says so).
 * Script behaviour (non-zero exit, crash, hang, noise) is a result, never an exception.
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
    const [hook, channel] = await Promise.all([
      needsBareImportHook(o.code) ? writeBareImportHook(dir) : null,
      openReportChannel(dir, (message) => {
        const kept = report.add(message);
        if (kept !== null) o.onReport?.(kept);
      }),
      writeFile(script, o.code),
    ]);
    let channelStats: Promise<ReportChannelStats> | null = null;
    const closeChannel = (): Promise<ReportChannelStats> => (channelStats ??= channel.close());
    try {
      const env: Record<string, string> = {
        ...o.env,
        [CHANNEL_ENV]: channel.path,
        ...(o.inputs === undefined ? {} : { [INPUTS_ENV]: JSON.stringify(o.inputs) }),
        ...(o.describe === true ? { [DESCRIBE_ENV]: "1" } : {}),
      };
      const startedAt = new Date();
      start = performance.now();
      const capture = new OutputCapture({
        startedAt: start,
        ...(o.maxOutputBytes === undefined ? {} : { maxBytes: o.maxOutputBytes }),
        ...(o.redact === undefined ? {} : { redact: o.redact }),
        ...(o.onLine === undefined ? {} : { onLine: o.onLine }),
      });
      // The channel drains while the pipes do, once the script's group is gone.
      const outcome = await supervise(o, env, [...(hook === null ? [] : ["--import", hook]), script], capture, closeChannel);
      const stats = await closeChannel();
      const received = stats.lines + stats.oversized > 0;
      const reported = received ? report.end(stats.malformed + stats.oversized) : undefined;
      const verdict = judge(outcome, o.timeoutMs, reported);
      const output = capture.end();
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
 * Spawns node, enforces the timeout and abort, and returns once its process group is gone.
 * `onGone` is called as soon as it is, before its pipes are drained.
 */
async function supervise(
  o: RunScriptOptions,
  env: Record<string, string>,
  args: string[],
  capture: OutputCapture,
  onGone: () => void,
): Promise<Outcome> {
  let child: ChildProcess;
  try {
    // detached: the script leads its own process group, so everything it spawns can be
    // signalled with it. The extra pipe is its lifeline (LIFELINE_FD): this end stays open,
    // unwritten, until the script has exited, and closes with this process if it dies first,
    // which makes the watcher kill the script's group.
    const command = withLifeline(process.execPath, args, env);
    child = spawn(command.command, command.args, {
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
  const lifeline = readable(child, LIFELINE_FD);
  // Nothing is ever sent on it; discard anything that is, and never let it throw here.
  lifeline.on("error", () => {});
  lifeline.resume();
  stdout.on("data", (chunk: Buffer) => capture.write("stdout", chunk));
  stderr.on("data", (chunk: Buffer) => capture.write("stderr", chunk));
  // Not the child's 'close', which would wait for the lifeline too.
  const closed = Promise.all([stdout, stderr].map((s) => new Promise((resolve) => s.once("close", resolve))));
  const ended = new Promise<{ error: Error } | { code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("error", (error) => resolve({ error }));
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });

  let stoppedBy: StopReason | null = null;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (reason: StopReason): void => {
    const pid = child.pid;
    if (stoppedBy !== null || pid === undefined) return;
    stoppedBy = reason;
    signalGroup(pid, "SIGTERM");
    killTimer = setTimeout(() => signalGroup(pid, "SIGKILL"), o.killGraceMs ?? 5000);
  };
  const timeoutTimer = setTimeout(() => stop("timeout"), Math.min(o.timeoutMs, MAX_TIMER_MS));
  const onAbort = (): void => stop("abort");
  if (o.signal?.aborted) onAbort();
  else o.signal?.addEventListener("abort", onAbort, { once: true });

  const end = await ended;
  clearTimeout(timeoutTimer);
  clearTimeout(killTimer);
  o.signal?.removeEventListener("abort", onAbort);
  if ("error" in end) {
    lifeline.destroy();
    return { started: false, error: end.error };
  }

  // Whatever the script left running (a `sleep 300`, a worker) goes with it.
  if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
  onGone();
  // Only now: the group is gone, so there is nothing left for the lifeline to stop.
  lifeline.destroy();
  let drainTimer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise((resolve) => (drainTimer = setTimeout(resolve, DRAIN_TIMEOUT_MS)))]);
  clearTimeout(drainTimer);
  stdout.destroy();
  stderr.destroy();
  return { started: true, ...end, stoppedBy };
}

function judge(outcome: Outcome, timeoutMs: number, report: ExecutionReport | undefined): { status: RunStatus; message: string | null } {
  if (!outcome.started) return { status: "failed", message: `could not start node: ${outcome.error.message}` };
  if (outcome.stoppedBy === "timeout") return { status: "timed_out", message: `timed out after ${timeoutMs / 1000} s` };
  if (outcome.stoppedBy === "abort") return { status: "cancelled", message: "cancelled while running" };
  const failReason = report?.failReason ?? null;
  if (failReason !== null) return { status: "failed", message: oneLine(failReason) };
  if (outcome.signal !== null) return { status: "failed", message: `killed by ${outcome.signal}` };
  if (outcome.code === 0) return { status: "succeeded", message: null };
  return { status: "failed", message: `exited with code ${outcome.code}` };
}

function oneLine(text: string): string {
  const line = text.replace(/\s*[\r\n]+\s*/g, " ").trim() || "failed";
  return line.length <= MAX_MESSAGE_CHARS ? line : `${line.slice(0, MAX_MESSAGE_CHARS - 1)}…`;
}

/** The parent's end of a pipe the child was spawned with. */
function readable(child: ChildProcess, fd: number): Readable {
  const stream = child.stdio[fd];
  if (stream === null || stream === undefined || !("read" in stream)) throw new Error(`no pipe at fd ${fd}`);
  return stream;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the whole group is gone already, which is the point.
  }
}
