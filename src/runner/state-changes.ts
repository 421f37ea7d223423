import type { StateChange } from "../run-types.js";

/** The most changes listed for one step; the rest are counted (WorkflowEntry.moreChanges). */
export const MAX_STATE_CHANGES = 20;
// A longer value, as JSON, is shown cut, as a string: the record stays small whatever the state holds.
const MAX_VALUE_CHARS = 200;
const TRUNCATED = " […]";
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * What changed between two JSON states, path by path (`$.user.plan`, `$.ids[3]`,
 * `$["odd key"]`): objects and arrays are compared member by member, anything else as a
 * whole. At most MAX_STATE_CHANGES are listed, in document order; `more` counts the rest.
 * `before` undefined means there was no state yet: an object's members are listed as added.
 * Give it redacted states: the values are copied as they are (long ones cut).
 */
export function stateChanges(before: unknown, after: unknown): { changes: StateChange[]; more: number } {
  const changes: StateChange[] = [];
  let more = 0;
  const emit = (path: string, a: Side, b: Side): void => {
    if (changes.length >= MAX_STATE_CHANGES) {
      more += 1;
      return;
    }
    changes.push({ path, ...(a.has ? { before: shown(a.value) } : {}), ...(b.has ? { after: shown(b.value) } : {}) });
  };
  const walk = (path: string, a: Side, b: Side): void => {
    if (a.has && b.has && isRecord(a.value) && isRecord(b.value)) {
      const keys = new Set([...Object.keys(a.value), ...Object.keys(b.value)]);
      for (const key of keys) walk(`${path}${member(key)}`, side(a.value, key), side(b.value, key));
    } else if (a.has && b.has && Array.isArray(a.value) && Array.isArray(b.value)) {
      const length = Math.max(a.value.length, b.value.length);
      for (let i = 0; i < length; i++) walk(`${path}[${i}]`, item(a.value, i), item(b.value, i));
    } else if (a.has !== b.has || (a.has && b.has && !sameLeaf(a.value, b.value))) {
      emit(path, a, b);
    }
  };
  walk("$", before === undefined ? (isRecord(after) ? { has: true, value: {} } : NONE) : { has: true, value: before }, { has: true, value: after });
  return { changes, more };
}

type Side = { has: true; value: unknown } | { has: false };
const NONE: Side = { has: false };

function side(record: Record<string, unknown>, key: string): Side {
  return Object.hasOwn(record, key) ? { has: true, value: record[key] } : NONE;
}

function item(array: unknown[], index: number): Side {
  return index < array.length ? { has: true, value: array[index] } : NONE;
}

/** Equal as JSON leaves; two containers of different kinds, or a container and a leaf, differ. */
function sameLeaf(a: unknown, b: unknown): boolean {
  if (typeof a === "object" && a !== null) return false;
  return a === b;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function member(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function shown(value: unknown): unknown {
  const json = JSON.stringify(value) ?? "null";
  return json.length <= MAX_VALUE_CHARS ? value : json.slice(0, MAX_VALUE_CHARS - TRUNCATED.length) + TRUNCATED;
}
