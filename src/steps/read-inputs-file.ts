import type { RepoEntry } from "../github/read-file-at-commit.js";
import { parseInputsFile } from "../definitions/parse-inputs-file.js";
import type { DefinitionReading } from "../definitions/read-definition.js";
import type { ReviewedInputs } from "../pipeline/job-data.js";

/**
 * A merged script's inputs file as the run takes it: read at the merge commit through the
 * reviewed reader (it must be the version its pull request's head had) and checked again
 * against the script's declared inputs, with the check's own function. Anything else is the
 * run's refusal, in words: a value the check refused never runs.
 */
export async function readInputsFile(
  entry: Promise<RepoEntry>,
  at: { path: string; script: string; reading: DefinitionReading },
): Promise<{ ok: true; inputs: ReviewedInputs } | { ok: false; reason: string }> {
  const read = await entry;
  if (read.kind === "refused") return { ok: false, reason: read.reason };
  if (read.kind === "missing") return { ok: false, reason: `${at.path} is not at the merge commit, though it was pushed with ${at.script}` };
  const parsed = parseInputsFile(read.text, { path: at.script, reading: at.reading }, at.path);
  if (!parsed.ok) {
    const problems = parsed.problems.map((problem) => `line ${problem.line}: ${problem.message}`).join("; ");
    return { ok: false, reason: `${at.path} does not fit the inputs of ${at.script}: ${problems}` };
  }
  return { ok: true, inputs: { path: at.path, values: parsed.values, logged: parsed.logged } };
}
