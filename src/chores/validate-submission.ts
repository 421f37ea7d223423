import { MIN_SECRET_LENGTH, tooShortToRedact } from "../runner/redact.js";
import { coerceInputs } from "../sdk/inputs.js";
import type { ScriptDescription } from "../sdk/protocol.js";
import { inputsFromDescription } from "./inputs-from-description.js";
import type { SubmittedFile } from "./parse-submission.js";

/** A submission's values, checked: what a run starts with, or each bad field's message. */
export type SubmissionCheck =
  { ok: true; values: Record<string, string>; files: Record<string, SubmittedFile> } | { ok: false; errors: Record<string, string> };

/**
 * Checks a chore form's submission against the chore's declared inputs, with the SDK's own
 * validators (`coerceInputs` on the Input objects rebuilt from the description) for every
 * input but files: type, required, min/max, choices, pattern. A bool is its checkbox: absent
 * (unticked) is false. A file input must be given when required, and within `fileLimit`.
 * Undeclared fields and files are dropped. A secret value (but a bool's) shorter than
 * MIN_SECRET_LENGTH is refused: the run's output could not be redacted of it, so it would
 * show wherever the script prints it.
 *
 * A chore's own `validate` functions are not run here: no chore code runs in the web
 * process. They run when the script starts, which fails the run with their message.
 *
 * Messages are the SDK's without the input's name (the page shows each next to its field):
 * `must be an integer ≥ 1, got "0"`. A secret input's messages never hold its value (the SDK
 * leaves it out).
 */
export function validateSubmission(
  description: ScriptDescription | null,
  submission: { fields: Readonly<Record<string, string>>; files: Readonly<Record<string, SubmittedFile>> },
  fileLimit: number,
): SubmissionCheck {
  const inputs = inputsFromDescription(description);
  const values: Record<string, string> = {};
  const files: Record<string, SubmittedFile> = {};
  const errors: Record<string, string> = {};
  for (const [name, input] of Object.entries(inputs)) {
    if (input.kind === "file") {
      const given = Object.hasOwn(submission.files, name) ? submission.files[name] : undefined;
      if (given === undefined) {
        if (description?.inputs[name]?.required === true) errors[name] = "is required";
      } else if (given.bytes.length > fileLimit) {
        errors[name] = `is over the limit of ${fileLimit} bytes`;
      } else {
        files[name] = given;
      }
      continue;
    }
    const text = Object.hasOwn(submission.fields, name) ? submission.fields[name]! : "";
    const raw = input.kind === "bool" && text === "" ? "false" : text;
    // One input at a time, so each message is known to be this field's.
    const checked = coerceInputs({ [name]: input }, { [name]: raw });
    if (!checked.ok) {
      errors[name] = checked.errors.map((error) => withoutName(error, name)).join("; ");
      continue;
    }
    // A string, number or boolean: the SDK coerced it (no validator here could replace it).
    const value = checked.values[name] as string | number | boolean | undefined;
    if (value === undefined) continue;
    // What the run is given, and so what its output would have to be redacted of.
    const given = String(value);
    if (input.options.secret === true && input.kind !== "bool" && tooShortToRedact(given)) errors[name] = TOO_SHORT_SECRET;
    else values[name] = given;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, values, files };
}

const TOO_SHORT_SECRET = `is too short to keep secret: at least ${MIN_SECRET_LENGTH} characters (a shorter value could not be redacted from the output)`;

function withoutName(message: string, name: string): string {
  const prefix = `${name}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}
