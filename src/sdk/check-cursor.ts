import { checkState } from "./check-state.js";
import { formatBytes } from "./format-bytes.js";
import { MAX_CURSOR_BYTES } from "./protocol.js";

/** A cursor as JSON, or what is wrong with it, worded to follow "the cursor …". */
export type CursorCheck = { ok: true; json: string } | { ok: false; problem: string };

/**
 * Whether a cursor can be checkpointed honestly: JSON that JSON.stringify neither refuses (a
 * BigInt, a cycle, a toJSON that throws) nor changes silently (undefined, a function, NaN, a
 * Map), at most `maxBytes` of it.
 */
export function checkCursor(cursor: unknown, maxBytes = MAX_CURSOR_BYTES): CursorCheck {
  let checked;
  try {
    checked = checkState(cursor, Infinity);
  } catch (error) {
    // A hostile value (a revoked proxy) can throw out of the replacer itself.
    return { ok: false, problem: `cannot be serialised: ${messageOf(error)}` };
  }
  if (!checked.ok) return { ok: false, problem: checked.problem.replace(/^is not JSON/, "cannot be serialised (it is not JSON)") };
  const bytes = Buffer.byteLength(checked.json);
  if (bytes > maxBytes)
    return {
      ok: false,
      problem: `is ${formatBytes(bytes)} as JSON, over the ${formatBytes(maxBytes)} limit: keep only what finds the next item (an id, an offset)`,
    };
  return { ok: true, json: checked.json };
}

function messageOf(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return "a value that cannot be shown as text";
  }
}
