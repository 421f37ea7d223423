/** A `POST /api/chores/…/runs` body, read: the input values as text (as the SDK parses them) and the run's name. */
export type StartRunBody =
  | { ok: true; values: Record<string, string>; name?: string }
  | { ok: false; status: 400; error: string }
  | { ok: false; status: 422; error: string; errors: Record<string, string> };

const FIELDS = new Set(["inputs", "name"]);
/** More inputs than any chore declares: refused before any is looked at. */
const MAX_INPUTS = 200;

/**
 * Reads `{ "inputs": { name: string | number | boolean }, "name": "…" }` (both optional). A
 * value becomes the text a person would type (`3`, `true`); an array, object, null or a number
 * JSON cannot round-trip is that input's error (422, by name), an unknown field of the body is
 * 400. Values are set as own properties (`Object.fromEntries`), so an input named `__proto__`
 * is only an undeclared input, never the object's prototype.
 */
export function readStartRunBody(body: Record<string, unknown>): StartRunBody {
  const unknown = Object.keys(body).filter((field) => !FIELDS.has(field));
  if (unknown.length > 0)
    return { ok: false, status: 400, error: `unknown field ${unknown.map((f) => JSON.stringify(f)).join(", ")}: the body takes inputs and name` };
  const { inputs = {}, name } = body;
  if (name !== undefined && typeof name !== "string") return { ok: false, status: 400, error: "name must be a string" };
  if (typeof inputs !== "object" || inputs === null || Array.isArray(inputs))
    return { ok: false, status: 400, error: "inputs must be an object of name: value" };
  const entries = Object.entries(inputs);
  if (entries.length > MAX_INPUTS) return { ok: false, status: 400, error: `inputs: at most ${MAX_INPUTS}` };
  const values: Array<[string, string]> = [];
  const errors: Array<[string, string]> = [];
  for (const [input, value] of entries) {
    // JSON.parse already rounded an integer past 2^53 (12345678901234567890 is ...7000): the run would get a number no one sent.
    if (typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value))
      errors.push([input, "is an integer too large for a JSON number to hold exactly: send it as a string"]);
    else if (typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value)))
      values.push([input, String(value)]);
    else errors.push([input, "must be a string, a number or a boolean"]);
  }
  if (errors.length > 0) return { ok: false, status: 422, error: "The inputs are not valid.", errors: Object.fromEntries(errors) };
  return { ok: true, values: Object.fromEntries(values), ...(name === undefined ? {} : { name }) };
}
