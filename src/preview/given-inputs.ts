import { createHash } from "node:crypto";
import type { LoggedInput } from "../run-types.js";
import type { ScriptDescription } from "../sdk/protocol.js";
import type { InputFile, RawInputs } from "../stores/run-inputs.js";

/**
 * What a run is given of a form's submission, as a queued chore run is (enqueueChoreRun):
 * only declared inputs, a file input only from an upload and any other only from a non-empty
 * value (an empty one leaves the input's default), so no value can name a path to read; and
 * how the run shows them: secrets masked, files by name, size and sha256.
 */
export function givenInputs(
  description: ScriptDescription | null,
  submitted: { values: Record<string, string>; files: Record<string, InputFile> },
): RawInputs & { logged: Record<string, LoggedInput> } {
  const given: RawInputs & { logged: Record<string, LoggedInput> } = { values: {}, files: {}, logged: {} };
  for (const [name, input] of Object.entries(description?.inputs ?? {})) {
    if (input.type === "file") {
      const file = Object.hasOwn(submitted.files, name) ? submitted.files[name] : undefined;
      if (file === undefined) continue;
      given.files[name] = file;
      given.logged[name] = { file: file.filename, bytes: file.bytes.length, sha256: createHash("sha256").update(file.bytes).digest("hex") };
    } else {
      const value = Object.hasOwn(submitted.values, name) ? submitted.values[name] : undefined;
      if (value === undefined || value === "") continue;
      given.values[name] = value;
      given.logged[name] = input.secret ? { secret: true } : value;
    }
  }
  return given;
}
