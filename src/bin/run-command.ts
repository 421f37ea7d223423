import { loadRunnerConfig } from "../config.js";
import { runLocal } from "./run-local.js";

/** `chorebot run <file>`: runs a local script as production would, its output live; its exit code, or 1 when it did not succeed. */
export async function runCommand(file: string, out: string | undefined, inputs: Record<string, string>): Promise<number> {
  // The script has its own process group, so Ctrl-C must be passed on, not just kill us.
  const cancel = new AbortController();
  const stop = () => cancel.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const { execution, logPath } = await runLocal({
    file,
    root: process.cwd(),
    out,
    config: loadRunnerConfig(),
    signal: cancel.signal,
    inputs,
    onReport: (message) => {
      if (message.type === "log") process.stderr.write(`[log] ${message.message}\n`);
    },
    onLine: (line) => (line.stream === "stdout" ? process.stdout : process.stderr).write(`${line.text}\n`),
  });
  const detail = execution.message ? ` (${execution.message})` : "";
  console.error(`\nchorebot: ${file} ${execution.status}${detail} in ${execution.durationMs} ms; log written to ${logPath}`);
  if (execution.status === "succeeded") return 0;
  return execution.exitCode && execution.exitCode > 0 ? execution.exitCode : 1;
}
