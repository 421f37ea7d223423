import { checkState } from "./check-state.js";
import { readResumptionFile } from "./read-resumption-file.js";
import type { Resumption } from "./protocol.js";

/**
 * The Resumption in the file at `path` (RESUME_ENV), checked against the workflow's step
 * names: where the workflow goes on from, or what is wrong (the run must then stop, never
 * start over from the first step).
 */
export function readResumption(
  path: string,
  stepNames: readonly string[],
  maxStateBytes: number,
): { ok: true; resumption: Resumption } | { ok: false; problem: string } {
  const read = readResumptionFile(path);
  if (!read.ok) return read;
  const { parsed } = read;
  const problem = resumptionProblem(parsed, stepNames, maxStateBytes);
  return problem === null ? { ok: true, resumption: parsed as Resumption } : { ok: false, problem: `bad resumption: ${problem}` };
}

function resumptionProblem(value: unknown, stepNames: readonly string[], maxStateBytes: number): string | null {
  if (!isObject(value)) return "it must be a JSON object";
  const { from, state, seq, signals, rollback } = value;
  if (typeof from !== "string" || !stepNames.includes(from)) {
    return `\`from\` ${JSON.stringify(from) ?? String(from)} is not a step of this workflow (its steps are ${stepNames.join(", ")})`;
  }
  if (!Number.isSafeInteger(seq) || (seq as number) < 0) return "`seq` must be a whole number, 0 or more";
  if (!isObject(signals)) return "`signals` must be an object of payloads by signal name";
  if (rollback !== null && !(isObject(rollback) && typeof rollback.reason === "string")) return "`rollback` must be null or { reason }";
  // No state: the run goes on from the workflow's own initial state (its first step was lost before it reported).
  if (!("state" in value)) return null;
  const checked = checkState(state, maxStateBytes);
  return checked.ok ? null : `its state ${checked.problem}`;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
