import { isDefinedScript, type DefinedScript } from "./define-script.js";
import { coerceInputs } from "./inputs.js";
import { maxStateBytes } from "./check-state.js";
import { runWorkflow } from "./define-workflow.js";
import { iterationOf } from "./iteration-mark.js";
import { isIterationPaused } from "./iteration-paused.js";
import { CHANNEL_ENV, INPUTS_ENV, RESUME_ENV, type IterationResumption, type Resumption } from "./protocol.js";
import { readIterationResumption } from "./read-iteration-resumption.js";
import { readResumption } from "./read-resumption.js";
import { runIteration } from "./run-iteration.js";
import { fail, getReporter, isScriptFailure, type Reporter } from "./reporter.js";
import { workflowOf } from "./workflow-mark.js";
import { isWorkflowWaiting } from "./workflow-waiting.js";

/** Results larger than this, serialised, are replaced by `{ truncated: true, bytes }`. */
export const MAX_RESULT_BYTES = 64 * 1024;
const SECRET_MASK = "[SECRET]";

/**
 * Runs a bundled script module's `defineScript` default export (a plain script already ran on
 * import: then this does nothing): inputs from CHOREBOT_INPUTS (bad → exit 2), run, report
 * the result, exit 0; fail() or a throw → exit 1. The channel is flushed before every exit.
 */
export async function runScriptModule(namespace: Record<string, unknown>): Promise<void> {
  const script = namespace.default;
  if (!isDefinedScript(script)) return;
  const reporter = getReporter();
  // chorebot hands inputs to every script whose definition it read from the source; one it
  // could not read (defineScript reached some other way) must not run on defaults nobody saw.
  if (process.env[CHANNEL_ENV] !== undefined && process.env[INPUTS_ENV] === undefined) {
    const reason = "chorebot did not find this script's definition: write `export default defineScript({ … })` in the entry file itself";
    process.stderr.write(`chorebot: ${reason}\n`);
    reporter.send({ type: "fail", reason });
    return exit(reporter, 2);
  }

  const raw = parseRawInputs(process.env[INPUTS_ENV]);
  const coerced = "error" in raw ? { ok: false as const, errors: [raw.error] } : coerceInputs(script.inputs ?? {}, raw.values);
  if (!coerced.ok) {
    process.stderr.write(`chorebot: invalid inputs:\n${coerced.errors.map((e) => `  ${e}\n`).join("")}`);
    reporter.send({ type: "fail", reason: `invalid inputs: ${coerced.errors.join("; ")}` });
    return exit(reporter, 2);
  }
  reporter.send({ type: "inputs", values: maskSecrets(script, coerced.values) });

  // A workflow (or an iteration) going on in a fresh process: from where it was told, never from its start by mistake.
  let resumption: Resumption | null = null;
  let goesOnFrom: IterationResumption | null = null;
  const iteration = iterationOf(script);
  const resumeFile = process.env[RESUME_ENV];
  if (resumeFile !== undefined) {
    const workflow = workflowOf(script);
    const read =
      iteration !== null
        ? readIterationResumption(resumeFile)
        : workflow === null
          ? { ok: false as const, problem: "only a workflow or an iteration can go on from a resumption" }
          : readResumption(
              resumeFile,
              workflow.steps.map((step) => step.name),
              maxStateBytes(),
            );
    if (!read.ok) {
      process.stderr.write(`chorebot: ${read.problem}\n`);
      reporter.send({ type: "fail", reason: read.problem });
      return exit(reporter, 2);
    }
    if (iteration !== null) goesOnFrom = read.resumption as IterationResumption;
    else resumption = read.resumption as Resumption;
  }

  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!controller.signal.aborted) controller.abort(new Error(`stopped by ${signal}`));
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  let value: unknown;
  try {
    const context = {
      inputs: coerced.values,
      log: (...args: unknown[]) => reporter.log(...args),
      counter: reporter.counter,
      progress: (p: Parameters<Reporter["progress"]>[0]) => reporter.progress(p),
      fail,
      signal: controller.signal,
    };
    const workflow = workflowOf(script);
    if (iteration !== null && goesOnFrom !== null) value = await runIteration(iteration, context, goesOnFrom);
    else value = resumption !== null && workflow !== null ? await runWorkflow(workflow, context, resumption) : await script.run(context);
  } catch (error) {
    // Its step's (or batch's) report is acked: the run goes on in a fresh process once the signal (or a Resume) comes.
    if (isWorkflowWaiting(error) || isIterationPaused(error)) return exit(reporter, 0);
    if (isScriptFailure(error)) process.stderr.write(`chorebot: failed: ${error.message}\n`);
    else process.stderr.write(`${error instanceof Error ? (error.stack ?? String(error)) : `thrown: ${String(error)}`}\n`);
    return exit(reporter, 1);
  }
  reporter.send({ type: "result", value: boundedResult(value) });
  return exit(reporter, 0);
}

async function exit(reporter: Reporter, code: number): Promise<never> {
  await reporter.flush();
  process.exit(code);
}

function parseRawInputs(text: string | undefined): { values: Record<string, string> } | { error: string } {
  if (text === undefined || text.trim() === "") return { values: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { error: `${INPUTS_ENV} is not JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return { error: `${INPUTS_ENV} must be a JSON object` };
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (value === null) continue;
    if (typeof value === "object") return { error: `${name}: must be a string, got ${JSON.stringify(value)}` };
    values[name] = String(value);
  }
  return { values };
}

function maskSecrets(script: DefinedScript, values: Record<string, unknown>): Record<string, unknown> {
  const masked: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    masked[name] = script.inputs?.[name]?.options.secret === true && value !== undefined ? SECRET_MASK : value;
  }
  return masked;
}

/** The JSON form of a result (undefined → null), or a marker when it is too large or not JSON. */
export function boundedResult(value: unknown, maxBytes = MAX_RESULT_BYTES): unknown {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    return { unserializable: true, error: (error as Error).message };
  }
  if (json === undefined) return null;
  const bytes = Buffer.byteLength(json);
  return bytes > maxBytes ? { truncated: true, bytes } : (JSON.parse(json) as unknown);
}
