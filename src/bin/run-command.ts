import { loadRunnerConfig } from "../config.js";
import { expectArguments, UsageError, type Command } from "./command.js";
import { LiveReport } from "./live-report.js";
import { parseInputFlags } from "./parse-input-flags.js";
import { runLocal } from "./run-local.js";
import { parseSignalFlags } from "./run-signal-flags.js";
import type { BatchReport } from "../sdk/protocol.js";
import { printable } from "./live-view.js";

// An iteration's checkpoints, one line each, at most this often (and always its last): a batch size of 1 must not flood the terminal.
const CHECKPOINT_LINE_MS = 1000;

/** `chorebot run <file>`: runs a local script as production would, its output live; its exit code, or 1 when it did not succeed. */
async function run(file: string, out: string | undefined, inputs: Record<string, string>, signals: Map<string, unknown[]>): Promise<number> {
  // The script has its own process group, so Ctrl-C must be passed on, not just kill us.
  const cancel = new AbortController();
  const stop = () => cancel.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  // Progress, counters and the result, live: a redrawn line on a terminal, bounded plain lines elsewhere.
  const live = new LiveReport(process.stderr);
  const warn = (message: string) => live.print(() => console.error(`chorebot run: warning: ${message}`));
  const checkpoints = checkpointPrinter((line) => live.print(() => console.error(line)));
  let local;
  try {
    local = await runLocal({
      file,
      root: process.cwd(),
      out,
      config: loadRunnerConfig(process.env, warn),
      signal: cancel.signal,
      inputs,
      signals,
      warn,
      onWait: ({ signal, step, delivered, logPath }) =>
        live.print(() =>
          console.error(
            delivered
              ? `chorebot: waiting for signal ${signal} (step ${step}); going on with the --signal ${signal} payload (log of the wait: ${logPath})`
              : `chorebot: waiting for signal ${signal} (step ${step}); to go on past it here, run again with --signal ${signal}=<json> (the run starts again from its first step)`,
          ),
        ),
      onReport: (message) => {
        if (message.type === "batch") checkpoints(message.report);
        else live.report(message);
      },
      onLine: (line) => live.print(() => (line.stream === "stdout" ? process.stdout : process.stderr).write(`${line.text}\n`)),
    });
  } finally {
    live.finish();
  }
  const { execution, logPath } = local;
  const detail = execution.message ? ` (${execution.message})` : "";
  console.error(`\nchorebot: ${file} ${execution.status}${detail} in ${execution.durationMs} ms; log written to ${logPath}`);
  if (execution.status === "succeeded" || execution.status === "waiting") return 0;
  return execution.exitCode && execution.exitCode > 0 ? execution.exitCode : 1;
}

/**
 * Prints an iteration's checkpoints (acked at once here: nothing is saved, and nothing can pause
 * it) as `[checkpoint] batch 3: items 201–300 (300 done) in 1.2 s, cursor 300`, at most one a
 * second and always the last; the cursor arrives redacted and cut to one line.
 */
export function checkpointPrinter(print: (line: string) => void, now: () => number = () => performance.now()): (report: BatchReport) => void {
  let printedAt = -Infinity;
  return (report) => {
    if (!report.last && now() - printedAt < CHECKPOINT_LINE_MS) return;
    printedAt = now();
    const first = report.done - report.items + 1;
    const items = report.items === 0 ? "no items left" : report.items === 1 ? `item ${report.done}` : `items ${first}–${report.done}`;
    const took = report.durationMs < 1000 ? `${Math.round(report.durationMs)} ms` : `${(report.durationMs / 1000).toFixed(1)} s`;
    print(
      `[checkpoint] batch ${report.seq}: ${items} (${report.done} done) in ${took}, cursor ${printable(String(report.cursor))}${report.last ? " (last)" : ""}`,
    );
  };
}

export const runCommand: Command = {
  usage: "<file> [--input name=value …] [--signal name=json …] [--out <log.md>]",
  summary:
    "Bundle a script from the working tree and run it here exactly as a worker would (same bundler, environment allowlist, timeout, output capture and redaction), then write the run log the bot would commit. Exits with the script's status.",
  options: { input: { type: "string", multiple: true, default: [] }, signal: { type: "string", multiple: true, default: [] }, out: { type: "string" } },
  optionHelp: {
    "--input name=value": "an input of an SDK script (repeat for each input)",
    "--signal name=json":
      "a payload for a workflow's waitFor(name): JSON, or a plain string; each wait takes the next one, and the workflow goes on at once in a fresh process, as in production (repeatable)",
    "--out <log.md>": "where to write the run log (default .chorebot/runs/<script>-<time>.md, ignored by git)",
  },
  settings: [
    ["SCRIPT_CWD", "the app directory the script runs in and resolves its packages from (default: current directory)"],
    ["SCRIPT_ENV", "comma-separated names of the environment variables the script may see; their values are redacted"],
    ["SCRIPT_TIMEOUT", "how long it may run: 90, 90s, 15m, 2h (a bare number is seconds; default 15m)"],
    ["OUTPUT_LIMIT", "bytes of output kept in the log (default 1048576)"],
  ],
  notes:
    "Run it from the repository root. It needs no GitHub App and no Redis, and reads no .env file: set the settings as production does. An iteration runs through its whole collection: each batch's checkpoint is printed and acked at once (nothing is saved, so it cannot be paused or resumed here); Ctrl-C stops it.",
  run(positionals, values) {
    const [file] = expectArguments(positionals, 1, "which script?");
    let inputs: Record<string, string>;
    let signals: Map<string, unknown[]>;
    try {
      inputs = parseInputFlags(values.input as string[]);
      signals = parseSignalFlags(values.signal as string[]);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    return run(file!, values.out as string | undefined, inputs, signals);
  },
};
