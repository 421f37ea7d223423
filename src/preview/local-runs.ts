import { relative } from "node:path";
import type { ChoreRunRequest } from "../chores/chores-pages-deps.js";
import type { LiveRunView } from "../chores/live/live-run-view.js";
import { choreRunId } from "../pipeline/run-id.js";
import { mergeReportLogs } from "../runlog/merge-report-logs.js";
import type { ExecutionResult, OutputLine } from "../run-types.js";
import type { ReportMessage } from "../sdk/protocol.js";
import { writeInputFiles } from "../steps/input-files.js";
import { UsageError } from "../bin/command.js";
import { givenInputs } from "./given-inputs.js";
import { OutputTail } from "./output-tail.js";
import { progressFields, withReport } from "./run-view-report.js";

/** How the preview runs a chore: `chorebot run`'s runLocal, or a stand-in in tests. */
export type ExecuteLocally = (o: {
  /** The entry file, a repository path. */
  file: string;
  /** Raw values by input name, a file input's being the path of its upload's copy. */
  inputs: Record<string, string>;
  signal: AbortSignal;
  onLine: (line: OutputLine) => void;
  onReport: (message: ReportMessage) => void;
}) => Promise<{ execution: ExecutionResult; redacted: ExecutionResult; logPath: string }>;

interface Entry {
  /** The view but for its output, which is `output`'s. */
  view: LiveRunView;
  output: OutputTail;
  /** The chore's catalog coordinates, for its history. */
  key: string;
  cancel: AbortController;
  cancelledBy: string | null;
  logPath: string | null;
  done: Promise<void>;
}

/** The most runs the preview remembers; past it, the oldest finished one is forgotten. */
export const KEPT_RUNS = 100;

/**
 * The preview's runs, in memory: each chore run starts at once in this process, run as
 * `chorebot run` runs a script (`execute`), and its view changes as it goes (output lines,
 * counters, progress, then its status, result and log). The same request key twice is one
 * run. Uploads are written to a private temp folder for the run and removed when it ends.
 */
export class LocalRuns {
  readonly #runs = new Map<string, Entry>();
  readonly #execute: ExecuteLocally;
  readonly #root: string;
  readonly #logUrl: (runId: string) => string | null;
  readonly #kept: number;

  constructor(o: { execute: ExecuteLocally; root: string; logUrl: (runId: string) => string | null; kept?: number }) {
    this.#execute = o.execute;
    this.#root = o.root;
    this.#logUrl = o.logUrl;
    this.#kept = o.kept ?? KEPT_RUNS;
  }

  start(request: ChoreRunRequest): { runId: string } {
    const { catalog, chore } = request;
    const runId = choreRunId({ owner: catalog.owner, repo: catalog.repo, name: chore.name, requestKey: request.requestKey });
    if (this.#runs.has(runId)) return { runId };
    this.#makeRoom();
    if (this.#runs.size >= this.#kept) throw new Error(`${this.#kept} runs are under way already: wait for one to end, or cancel one`);
    const given = givenInputs(chore.description, request);
    const entry: Entry = {
      view: {
        id: runId,
        status: "running",
        repository: `${catalog.owner}/${catalog.repo}`,
        script: chore.path,
        commit: chore.commit,
        started_at: new Date().toISOString(),
        finished_at: null,
        duration_ms: null,
        message: null,
        waiting_reason: null,
        result: null,
        progress: null,
        counters: null,
        log: null,
        trigger: "ui",
        requested_by: request.requestedBy,
        chore: chore.name,
        inputs: given.logged,
        output: null,
      },
      output: new OutputTail(performance.now()),
      key: historyKey(catalog.owner, catalog.repo, chore.name),
      cancel: new AbortController(),
      cancelledBy: null,
      logPath: null,
      done: Promise.resolve(),
    };
    this.#runs.set(runId, entry);
    entry.done = this.#go(entry, chore.path, given);
    return { runId };
  }

  /** A run's view as it is now, or null. */
  run(runId: string): LiveRunView | null {
    const entry = this.#runs.get(runId);
    return entry ? viewOf(entry) : null;
  }

  /** A chore's latest runs, newest first. */
  history(owner: string, repo: string, name: string, limit: number): LiveRunView[] {
    const key = historyKey(owner, repo, name);
    return [...this.#runs.values()]
      .filter((entry) => entry.key === key)
      .reverse()
      .slice(0, limit)
      .map(viewOf);
  }

  /** Stops a run that is under way, on behalf of `by`; a finished or unknown run is left as it is. */
  cancel(runId: string, by: string): void {
    const entry = this.#runs.get(runId);
    if (!entry || entry.view.finished_at !== null || entry.cancel.signal.aborted) return;
    entry.cancelledBy = by;
    entry.cancel.abort();
  }

  /** Where a finished run's log was written, or null. */
  logPath(runId: string): string | null {
    return this.#runs.get(runId)?.logPath ?? null;
  }

  /** Cancels every run under way and resolves once each has ended (its log written, its uploads removed). */
  async stop(by: string): Promise<void> {
    for (const runId of this.#runs.keys()) this.cancel(runId, by);
    await Promise.all([...this.#runs.values()].map((entry) => entry.done));
  }

  async #go(entry: Entry, file: string, given: ReturnType<typeof givenInputs>): Promise<void> {
    const update = (change: (view: LiveRunView) => LiveRunView) => (entry.view = change(entry.view));
    let files: Awaited<ReturnType<typeof writeInputFiles>> | undefined;
    try {
      files = await writeInputFiles(given.files);
      const local = await this.#execute({
        file,
        inputs: { ...given.values, ...files.paths },
        signal: entry.cancel.signal,
        onLine: (line) => entry.output.add(line),
        onReport: (message) => {
          if (message.type === "log") entry.output.addLog(message.message);
          else update((view) => withReport(view, message));
        },
      });
      entry.logPath = local.logPath;
      // Live, a `log()` line's time was when it arrived here; the log has the script's own times.
      entry.output.replace(mergeReportLogs(local.redacted.output, local.redacted.report?.logs).lines);
      update((view) => finished(view, local.redacted, entry.cancelledBy, { path: relative(this.#root, local.logPath), url: this.#logUrl(view.id) }));
    } catch (error) {
      // `chorebot run` refuses it (an env SCRIPT_ENV does not allow…), or it could not start.
      const status = error instanceof UsageError ? "refused" : "failed";
      const message = error instanceof UsageError ? error.message : `it could not start: ${(error as Error).message}`;
      update((view) => ({ ...view, status, message, finished_at: new Date().toISOString(), duration_ms: 0 }));
    } finally {
      await files?.remove().catch(() => undefined);
    }
  }

  /** Forgets the oldest finished runs past the limit, so one more fits. */
  #makeRoom(): void {
    for (const [runId, entry] of this.#runs) {
      if (this.#runs.size < this.#kept) return;
      if (entry.view.finished_at !== null) this.#runs.delete(runId);
    }
  }
}

function viewOf(entry: Entry): LiveRunView {
  return { ...entry.view, output: entry.output.lines() };
}

function historyKey(owner: string, repo: string, name: string): string {
  return JSON.stringify([owner, repo, name]);
}

/** The view once the run ended, from what its log records. */
function finished(view: LiveRunView, execution: ExecutionResult, cancelledBy: string | null, log: { path: string; url: string | null }): LiveRunView {
  const report = execution.report;
  return {
    ...view,
    // The last progress as the log records it (none when it would have shown a secret).
    ...(report ? progressFields(report.progress) : {}),
    status: execution.status,
    started_at: execution.startedAt,
    finished_at: execution.finishedAt,
    duration_ms: execution.durationMs,
    message: execution.status === "cancelled" && cancelledBy !== null ? `cancelled by ${cancelledBy}` : execution.message,
    result: report?.result ?? view.result,
    counters: report && Object.keys(report.counters).length > 0 ? report.counters : view.counters,
    log: { path: log.path, commit: "local", url: log.url },
  };
}
