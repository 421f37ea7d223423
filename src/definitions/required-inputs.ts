import type { ScriptDescription } from "../sdk/protocol.js";

/** Inputs nobody can give a merged run, which runs with its defaults: required, with no default. */
export function requiredWithoutDefault(definition: ScriptDescription | null): string[] {
  return Object.entries(definition?.inputs ?? {})
    .filter(([, input]) => input.required)
    .map(([name]) => name);
}
