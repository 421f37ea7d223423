import type { RunnerConfig } from "../config.js";
import { MAX_STATE_ENV, type ScriptDescription } from "../sdk/protocol.js";
import { killGraceMs } from "./kill-grace.js";
import { createRedactor } from "./redact.js";
import type { RunScriptOptions } from "./run-script.js";
import { BASICS, buildScriptEnv } from "./script-env.js";

/**
 * Every value that must never reach GitHub, the dashboard or a log, whatever a script prints:
 * the app's own secrets (a script could read them from its parent; a local run has none), the
 * SCRIPT_ENV values it was given, and the values given for inputs it declares `secret`.
 */
export function valuesToRedact(values: { appSecrets?: readonly string[]; scriptEnvValues: readonly string[]; secretInputs?: readonly string[] }): string[] {
  return [...(values.appSecrets ?? []), ...values.scriptEnvValues, ...(values.secretInputs ?? [])];
}

/** What runScript is given besides the code and the caller's own watchers (output, reports, cancellation). */
export type RunOptions = Required<Pick<RunScriptOptions, "cwd" | "env" | "timeoutMs" | "maxOutputBytes" | "redact" | "killGraceMs">> &
  Pick<RunScriptOptions, "inputs" | "workflow" | "iteration">;

/**
 * Why a script cannot run here: the variables its `env` asks for that SCRIPT_ENV (`scriptEnv`)
 * does not allow, in one sentence; null when it asks for none of those, or declares no `env`.
 * The basics every script gets (PATH, HOME, …) are always allowed. The worker's execute step
 * and `chorebot run` both refuse such a script rather than run it without what it needs.
 */
export function envRefusal(description: ScriptDescription | null, scriptEnv: readonly string[]): string | null {
  const missing = (description?.env ?? []).filter((name) => !scriptEnv.includes(name) && !BASICS.includes(name));
  if (missing.length === 0) return null;
  const names = missing.length === 1 ? missing[0]! : `${missing.slice(0, -1).join(", ")} and ${missing.at(-1)!}`;
  const them = missing.length === 1 ? "it" : "them";
  return `the script's env asks for ${names}, which SCRIPT_ENV does not allow: add ${them} to SCRIPT_ENV or take ${them} out of the script's env`;
}

/**
 * How a script is run, the same for the worker's execute step and `chorebot run`: in
 * SCRIPT_CWD, with only the allowlisted environment (of it, only what the script's `env`
 * asks for when it declares one), for the shortest of the time limits, its output capped at
 * OUTPUT_LIMIT and redacted, and, for an SDK script, its inputs. A workflow is told its state
 * limit (WORKFLOW_STATE_LIMIT, as CHOREBOT_MAX_STATE_BYTES), its steps are recorded, and its
 * rollbacks get time before it is killed (kill-grace.ts). An iteration's batches are checkpointed
 * (its description is handed on: see RunScriptOptions.iteration).
 */
export function runOptions(o: {
  runner: RunnerConfig;
  /** The app's own secrets; none for a local run. */
  appSecrets?: readonly string[];
  /** What the script declares; null for a plain script. */
  description: ScriptDescription | null;
  /** Raw input values: `--input` flags locally; none for a merged script, which runs with its defaults. */
  inputs: Readonly<Record<string, string>>;
  /** The repository's limit, where it has one: the repository and the script may ask for less time than the server allows, never more. */
  repositoryTimeoutMs?: number;
  /** Where the allowlisted variables are read from (default: this process's environment). */
  env?: NodeJS.ProcessEnv;
}): RunOptions {
  const { runner, description } = o;
  const secretInputs = Object.entries(description?.inputs ?? {})
    .filter(([name, input]) => input.secret && o.inputs[name])
    .map(([name]) => o.inputs[name]!);
  const workflow = description?.workflow ?? null;
  const env = buildScriptEnv(o.env ?? process.env, allowedEnv(description, runner.scriptEnv));
  return {
    cwd: runner.scriptCwd,
    env: workflow === null ? env : { ...env, [MAX_STATE_ENV]: String(runner.workflowStateLimit) },
    timeoutMs: Math.min(runner.timeoutMs, o.repositoryTimeoutMs ?? Infinity, description?.timeoutMs ?? Infinity),
    // Plain scripts take no inputs.
    ...(description ? { inputs: { ...o.inputs } } : {}),
    maxOutputBytes: runner.outputLimit,
    redact: createRedactor(valuesToRedact({ appSecrets: o.appSecrets ?? [], scriptEnvValues: runner.scriptEnvValues, secretInputs })),
    killGraceMs: killGraceMs(workflow),
    ...(workflow === null ? {} : { workflow: { steps: workflow.steps, stateLimit: runner.workflowStateLimit } }),
    ...(description?.iteration == null ? {} : { iteration: { description: description.iteration } }),
  };
}

/**
 * The SCRIPT_ENV names a script is given: all of them, unless it declares `env`, then only
 * those it asks for. (A description stored before `env` existed has none: all of them.)
 */
function allowedEnv(description: ScriptDescription | null, scriptEnv: readonly string[]): readonly string[] {
  const asked = description?.env;
  return asked == null ? scriptEnv : scriptEnv.filter((name) => asked.includes(name));
}
