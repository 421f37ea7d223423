import { checkCursor } from "./check-cursor.js";
import { readResumptionFile } from "./read-resumption-file.js";
import type { IterationResumption } from "./protocol.js";

/**
 * The IterationResumption in the file at `path` (RESUME_ENV): where the iteration goes on
 * from, or what is wrong (the run must then stop, never start over from the first item).
 */
export function readIterationResumption(path: string): { ok: true; resumption: IterationResumption } | { ok: false; problem: string } {
  const read = readResumptionFile(path);
  if (!read.ok) return read;
  const { parsed } = read;
  const problem = resumptionProblem(parsed);
  if (problem !== null) return { ok: false, problem: `bad iteration resumption: ${problem}` };
  const { seq, done, cursor } = parsed as IterationResumption;
  return { ok: true, resumption: { seq, done, cursor } };
}

function resumptionProblem(value: unknown): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "it must be a JSON object { seq, done, cursor }";
  const { seq, done, cursor } = value as Record<string, unknown>;
  if (!isCount(seq)) return "`seq` must be a whole number, 0 or more";
  if (!isCount(done)) return "`done` must be a whole number, 0 or more";
  if (!("cursor" in value)) return "`cursor` is missing (null: from the start)";
  // Nothing checkpointed: from the start; a checkpoint always has items and a cursor.
  if (seq === 0 && (done !== 0 || cursor !== null)) return "with `seq` 0 (nothing checkpointed), `done` must be 0 and `cursor` null";
  if (seq > 0 && (done < seq || cursor === null)) return "a checkpoint (`seq` over 0) has at least one item per batch and a cursor";
  const checked = checkCursor(cursor);
  return checked.ok ? null : `its cursor ${checked.problem}`;
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
