import { bringsFile, type ChangedFile, type ChangedScript } from "../github/changed-scripts.js";
import { INPUTS_FILE_SUFFIX, inputsFilePath, isInputsFile } from "../github/inputs-file-path.js";
import type { RepoEntry } from "../github/read-file-at-commit.js";
import { parseInputsFile } from "../definitions/parse-inputs-file.js";
import { readScriptDefinition } from "../definitions/read-definition.js";
import type { Annotation } from "./check-report.js";

export interface InputsFilesCheck {
  annotations: Annotation[];
  /** By script path: one short summary cell per problem of its inputs file. */
  problems: Map<string, string[]>;
  /** The scripts that run with an inputs file of this pull request (their required inputs may come from it). */
  given: Set<string>;
}

/**
 * The inputs files of a pull request, judged as the worker will judge them after the merge:
 * each belongs to a script the pull request adds (it runs on merge) and comes in the same pull
 * request, and its values are what that script declares (parseInputsFile), each bad field an
 * annotation on its line. An inputs file already on the base branch beside an added script
 * would refuse the run: said too. `read` reads the pull request's head.
 */
export async function checkInputsFiles(o: {
  changed: readonly ChangedFile[];
  entries: readonly ChangedScript[];
  scriptsDir: string;
  read: (path: string) => Promise<RepoEntry>;
}): Promise<InputsFilesCheck> {
  const result: InputsFilesCheck = { annotations: [], problems: new Map(), given: new Set() };
  const failure = (path: string, line: number, title: string, message: string) =>
    result.annotations.push({ path, start_line: line, end_line: line, annotation_level: "failure", title, message });
  const present = o.changed.filter((file) => file.status !== "removed" && file.status !== "unchanged");
  const inputsFiles = new Set(present.filter((file) => isInputsFile(file.filename, o.scriptsDir)).map((file) => file.filename));
  const running = o.entries.filter((entry) => entry.runs).map((entry) => entry.file.filename);
  const claimed = new Set<string>();

  for (const script of running) {
    const path = inputsFilePath(script);
    const problems: string[] = [];
    if (!inputsFiles.has(path)) {
      // Beside the script already, brought by nobody here: the worker would refuse the run.
      const there = await o.read(path);
      if (there.kind !== "missing") {
        failure(
          path,
          1,
          "Inputs file not in this pull request",
          `${path} is already on the base branch: ${script} only runs with an inputs file added or changed in the same pull request, so it would be refused. Change or delete ${path} here.`,
        );
        result.problems.set(script, ["its inputs file is not part of this pull request"]);
      }
      continue;
    }
    claimed.add(path);
    result.given.add(script);
    const [file, source] = await Promise.all([o.read(path), o.read(script)]);
    if (file.kind !== "file") {
      const reason = file.kind === "refused" ? file.reason : `${path} cannot be read`;
      failure(path, 1, "Inputs file refused", reason);
      result.problems.set(script, [`inputs file refused`]);
      continue;
    }
    if (source.kind !== "file") continue; // the script's own annotations say why
    const reading = parseInputsFile(file.text, { path: script, reading: readDefinitionSafely(source.text, script) }, path);
    if (reading.ok) continue;
    for (const problem of reading.problems) failure(path, problem.line, problem.input === null ? "Inputs file" : `Input \`${problem.input}\``, problem.message);
    problems.push(`inputs file: ${reading.problems.length} problem${reading.problems.length === 1 ? "" : "s"}`);
    result.problems.set(script, problems);
  }

  // `x.ts` and `x.mjs` would both take `x.inputs.yml`: say so rather than let one file feed two scripts.
  const owners = new Map<string, string[]>();
  for (const script of running) owners.set(inputsFilePath(script), [...(owners.get(inputsFilePath(script)) ?? []), script]);
  for (const [path, scripts] of owners) {
    if (scripts.length > 1 && inputsFiles.has(path)) {
      failure(path, 1, "Inputs file of two scripts", `${scripts.join(" and ")} would both run with ${path}: rename one of them.`);
    }
  }
  for (const path of inputsFiles) {
    if (claimed.has(path)) continue;
    failure(
      path,
      1,
      "Inputs file without its script",
      `${path} gives values to the script beside it (same name, \`.ts\`), which must be added by this same pull request; no script this pull request adds runs with it.`,
    );
  }
  // A near miss that would silently run the script with its defaults (`.inputs.yaml`, or `.inputs.yml` in another case).
  const nearMiss = (path: string) => /\.inputs\.ya?ml$/i.test(path) && !path.endsWith(INPUTS_FILE_SUFFIX);
  for (const file of present.filter((f) => bringsFile(f) && nearMiss(f.filename))) {
    failure(file.filename, 1, "Inputs file not read", `chorebot reads inputs from \`*${INPUTS_FILE_SUFFIX}\`; rename ${file.filename}.`);
  }
  return result;
}

/** The definition as the worker reads it; a parser crash on hostile source counts as unreadable. */
function readDefinitionSafely(source: string, path: string): ReturnType<typeof readScriptDefinition> {
  try {
    return readScriptDefinition(source, path);
  } catch (error) {
    return { definition: null, usesDefineScript: true, problems: [{ line: 1, column: 1, message: (error as Error).message }] };
  }
}
