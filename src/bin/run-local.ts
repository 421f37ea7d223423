import { execFile } from "node:child_process";
import { mkdir, realpath, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { promisify } from "node:util";
import type { RunnerConfig } from "../config.js";
import { notRun } from "../steps/not-run.js";
import type { ExecutionResult, OutputLine } from "../run-types.js";
import type { ReportMessage, Resumption } from "../sdk/protocol.js";
import { bundleScript } from "../runner/bundle-script.js";
import { readLocalFile } from "../runner/read-local-file.js";
import { redactExecution } from "../runner/redact-execution.js";
import { readScriptDefinition } from "../definitions/read-definition.js";
import { formatDefinitionProblems } from "../definitions/format-problems.js";
import { envRefusal, runOptions } from "../runner/run-options.js";
import { runScript, type ResumePoint, type RunScriptOptions } from "../runner/run-script.js";
import { renderRunLog } from "../runlog/render-run-log.js";
import { isEntryScript } from "../github/entry-script.js";
import { UsageError } from "./command.js";
import { undeclaredInputs } from "./parse-input-flags.js";

export interface LocalRun {
  execution: ExecutionResult;
  /** The execution as its log records it: redacted throughout (what a page may show). */
  redacted: ExecutionResult;
  logPath: string;
}

/**
 * `chorebot run <file>`: bundle a script from the working tree and run it exactly as the
 * worker would (same bundler, env rules, timeout, capture and redaction), streaming its
 * output live, then write the run log the bot would commit.
 */
export async function runLocal(options: {
  file: string;
  root: string;
  out?: string | undefined;
  config: RunnerConfig;
  onLine: (line: OutputLine) => void;
  /** What an SDK script reports (log lines, progress …), as it happens. */
  onReport?: (message: ReportMessage) => void;
  /** Raw input values (`--input name=value`) for an SDK script. */
  inputs?: Record<string, string>;
  /** Stops the script (its whole process group) as a cancellation, e.g. on Ctrl-C. */
  signal?: AbortSignal;
  /** Told what the person should know before it runs (a helper production never runs). */
  warn?: (message: string) => void;
  /** Payloads for the workflow's waits, by signal name (`--signal`), each delivered once, in order. */
  signals?: Map<string, unknown[]>;
  /**
   * Told each time the workflow waits: whether a payload was given (it then goes on at once, and
   * `logPath` is the log of the process that waited), or not (the run ends `waiting`; its log is the run's).
   */
  onWait?: (wait: { signal: string; step: string; delivered: boolean; logPath: string | null }) => void;
}): Promise<LocalRun> {
  const { root, config } = options;
  const script = relative(root, resolve(root, options.file)).split(sep).join("/");
  if (script.startsWith("../")) throw new UsageError(`${options.file} is outside ${root}; run chorebot from the repository root`);
  // A typo must not leave a "did not bundle" log behind.
  const found = await stat(resolve(root, script)).catch(() => null);
  if (!found?.isFile()) throw new UsageError(`${options.file}: ${found ? "not a file" : "no such file"}`);
  if (!isRunnable(script)) {
    await refuseOutsideRoot(root, options.file);
    options.warn?.(
      `${script} is not an entry script or a chore (one under scripts/ or chores/, not a test, not under a _ folder or named _…): production never runs it on its own`,
    );
  }

  const readFile = readLocalFile(root);
  const bundle = await bundleScript({ entry: script, readFile });
  // Read as the worker reads it: from the source, without running it.
  const reading = bundle.ok ? readScriptDefinition((await readFile(script))!, script) : null;
  if (reading && reading.problems.length === 0 && options.inputs && Object.keys(options.inputs).length > 0) {
    const unknown = undeclaredInputs(options.inputs, Object.keys(reading.definition?.inputs ?? {}));
    if (unknown) throw new UsageError(unknown);
  }
  // Production refuses a script that asks for variables SCRIPT_ENV does not allow; so does a local run.
  const refusal = reading && reading.problems.length === 0 ? envRefusal(reading.definition, config.scriptEnv) : null;
  if (refusal) throw new UsageError(`${script}: ${refusal}`);
  // Set up as the worker sets up a merged script's run; the run log is redacted the same way.
  const run = runOptions({ runner: config, description: reading?.definition ?? null, inputs: options.inputs ?? {} });
  const { redact } = run;
  const { commit } = await headCommit(root);
  const writeLog = async (execution: ExecutionResult): Promise<{ redacted: ExecutionResult; logPath: string }> => {
    const stamp = execution.startedAt.replace(/[:.]/g, "-");
    const logPath = options.out ? resolve(options.out) : await localRunLogPath(root, script, stamp);
    const redacted = redactExecution(execution, redact);
    const log = renderRunLog({
      runId: `local-${stamp}`,
      jobIds: null,
      script,
      repository: "local",
      commit,
      pullRequest: null,
      approvedBy: [],
      execution: redacted,
      code: bundle.ok ? redact(bundle.code) : null,
      attempt: 1,
      runner: hostname(),
    });
    await mkdir(dirname(logPath), { recursive: true });
    await writeFile(logPath, log);
    return { redacted, logPath };
  };

  let execution: ExecutionResult;
  if (reading && reading.problems.length > 0) {
    execution = notRun({
      status: "failed",
      message: "chorebot cannot read the script's definition",
      detail: formatDefinitionProblems(script, reading.problems),
    });
    execution.output.lines.forEach(options.onLine);
  } else if (bundle.ok) {
    // Where the workflow would go on from (raw), as the worker saves it with each step.
    let point: ResumePoint | null = null;
    const once = (more: Pick<RunScriptOptions, "resume" | "workflow">) =>
      runScript({
        code: bundle.code,
        ...run,
        ...more,
        ...(options.onReport ? { onReport: options.onReport } : {}),
        onLine: options.onLine,
        onStep: async (_record, _entry, resume) => void (point = resume ?? point),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    execution = await once({});
    // A wait with a payload given goes on at once in a fresh process, as production does when the signal comes.
    let resume: Resumption | null = null;
    for (;;) {
      const waited = execution.status === "waiting" ? execution.report?.workflow : undefined;
      const entry = waited?.entries.at(-1);
      if (waited === undefined || entry?.wait === undefined || point === null || run.workflow === undefined) break;
      const payloads = options.signals?.get(entry.wait.signal) ?? [];
      const delivered = payloads.length > 0;
      options.onWait?.({ signal: entry.wait.signal, step: entry.step, delivered, logPath: delivered ? (await writeLog(execution)).logPath : null });
      if (!delivered) break;
      const { seq, state }: ResumePoint = point;
      // A step that waits again (for another signal) runs again with every signal it was given so far.
      const given: Resumption["signals"] = resume?.from === entry.step ? resume.signals : {};
      resume = { from: entry.step, state, seq, signals: { ...given, [entry.wait.signal]: payloads.shift() }, rollback: null };
      execution = await once({ resume, workflow: { ...run.workflow, earlier: waited } });
    }
  } else {
    execution = notRun({ status: "failed", message: "the script did not bundle", detail: bundle.message });
    execution.output.lines.forEach(options.onLine);
  }

  const { redacted, logPath } = await writeLog(execution);
  return { execution, redacted, logPath };
}

/** Where local runs' logs go, under the repository root; ignored by git (see localRunLogPath). */
export const LOCAL_RUNS_DIR = ".chorebot/runs";
const LOCAL_GITIGNORE = "# chorebot run's local run logs: for you, not for the repository (the bot commits the real ones)\n*\n";

/**
 * A local run's log: `.chorebot/runs/<script under scripts/>-<UTC time of the run>.md`, one
 * file per run, never in `logs/` where the bot commits production's logs, so it cannot be
 * committed by mistake for one. `.chorebot/` gets a .gitignore of its own that ignores it all,
 * whatever the repository's .gitignore says.
 */
async function localRunLogPath(root: string, script: string, stamp: string): Promise<string> {
  const dir = resolve(root, ".chorebot");
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, ".gitignore"), LOCAL_GITIGNORE, { flag: "wx" }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
  return resolve(root, LOCAL_RUNS_DIR, `${script.replace(/^scripts\//, "")}-${stamp}.md`);
}

/**
 * Run from a folder below the repository root (`cd scripts && chorebot run hello.ts`), an entry
 * script looks like a helper and its log would land in the wrong `.chorebot/`: say where to run
 * it from instead. Scripts run in SCRIPT_CWD, the current directory by default, so chorebot does
 * not quietly move to the root.
 */
async function refuseOutsideRoot(root: string, file: string): Promise<void> {
  let top: string;
  try {
    top = (await promisify(execFile)("git", ["rev-parse", "--show-toplevel"], { cwd: root })).stdout.trim();
  } catch {
    return; // not a git checkout: the current directory is the root
  }
  const here = await realpath(root);
  if (!top || top === here) return;
  const fromTop = relative(top, resolve(here, file)).split(sep).join("/");
  if (fromTop.startsWith("../") || !isRunnable(fromTop)) return;
  throw new UsageError(
    `${file} is the ${isEntryScript(fromTop) ? "entry script" : "chore"} ${fromTop} of the repository at ${top}: run chorebot from the repository root (cd ${relative(here, top)} && chorebot run ${fromTop})`,
  );
}

/**
 * What production runs on its own: an entry script under the default scripts folder, or a chore
 * under the default chores folder (a local run reads no repository settings).
 */
function isRunnable(path: string): boolean {
  return isEntryScript(path) || isEntryScript(path, "chores");
}

/** The checked-out commit, so a local log names what was run; "local" outside git. */
async function headCommit(root: string): Promise<{ commit: string }> {
  try {
    const { stdout } = await promisify(execFile)("git", ["rev-parse", "--verify", "HEAD"], { cwd: root });
    const commit = stdout.trim();
    if (commit) return { commit };
  } catch {
    // not a git checkout, or no commit yet
  }
  return { commit: "local" };
}
