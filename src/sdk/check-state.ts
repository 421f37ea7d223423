import { formatBytes } from "./format-bytes.js";
import { DEFAULT_MAX_STATE_BYTES, MAX_STATE_ENV } from "./protocol.js";

/** The state as JSON, or what is wrong with it, worded to follow "left a state that …". */
export type StateCheck = { ok: true; json: string } | { ok: false; problem: string };

/**
 * Whether `state` can be persisted honestly: JSON.stringify must accept it (no BigInt, no
 * cycle), must not drop or change it silently (a function, a symbol, a Map or Set, NaN or
 * Infinity), and the JSON must fit in `maxBytes`.
 */
export function checkState(state: unknown, maxBytes: number): StateCheck {
  const found: { loss: string | null } = { loss: null };
  let json: string | undefined;
  try {
    json = JSON.stringify(state, (key: string, value: unknown) => {
      found.loss ??= lossOf(value, key);
      return value;
    });
  } catch (error) {
    return { ok: false, problem: `is not JSON: ${(error as Error).message}` };
  }
  if (found.loss !== null) return { ok: false, problem: `is not JSON: ${found.loss}` };
  if (json === undefined) return { ok: false, problem: "is not JSON: it is undefined" };
  const bytes = Buffer.byteLength(json);
  if (bytes > maxBytes) return { ok: false, problem: `is ${formatBytes(bytes)}, over the ${formatBytes(maxBytes)} limit (WORKFLOW_STATE_LIMIT)` };
  return { ok: true, json };
}

function lossOf(value: unknown, key: string): string | null {
  const where = key === "" ? "at the top" : `at ${JSON.stringify(key)}`;
  if (typeof value === "function" || typeof value === "symbol") return `a ${typeof value} ${where}`;
  if (typeof value === "number" && !Number.isFinite(value)) return `${value} ${where} (JSON has no such number)`;
  if (value instanceof Map || value instanceof Set) return `a ${value.constructor.name} ${where} (use an object or an array)`;
  return null;
}

/** The state limit the runner set for this run (CHOREBOT_MAX_STATE_BYTES), else DEFAULT_MAX_STATE_BYTES. */
export function maxStateBytes(env: NodeJS.ProcessEnv = process.env): number {
  const set = Number(env[MAX_STATE_ENV]);
  return Number.isSafeInteger(set) && set > 0 ? set : DEFAULT_MAX_STATE_BYTES;
}
