import { coerceInputs, type InputDeclarations } from "../sdk/inputs.js";

/** What a test may pass as inputs: raw values, as a form, the CLI or the API would. */
export type RawInputs = Readonly<Record<string, string | number | boolean | null | undefined>>;

/**
 * The inputs a run would get from `raw`: each value as a string, coerced and checked like a
 * real run's (defaults, types, validators). Throws with every problem, and on a name the
 * script does not declare (a typo would otherwise run on the default).
 */
export function testInputs(declared: InputDeclarations, raw: RawInputs, caller: string): Record<string, unknown> {
  const strings: Record<string, string> = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (!Object.hasOwn(declared, name)) problems.push(`${name}: not an input of this script (it has ${Object.keys(declared).join(", ") || "none"})`);
    else if (typeof value === "object" && value !== null) problems.push(`${name}: must be a string, number or boolean, got ${JSON.stringify(value)}`);
    else if (value !== null && value !== undefined) strings[name] = String(value);
  }
  const coerced = coerceInputs(declared, strings);
  if (!coerced.ok) problems.push(...coerced.errors);
  if (problems.length > 0 || !coerced.ok) throw new Error(`${caller}: invalid inputs: ${problems.join("; ")}`);
  return coerced.values;
}
