import { locateOption } from "../definitions/locate-option.js";
import { readScriptDefinition } from "../definitions/read-definition.js";
import { requiredWithoutDefault } from "../definitions/required-inputs.js";
import type { ScheduleLimits } from "../config.js";
import { envRefusal } from "../runner/run-options.js";
import type { ApprovalDescription, IterationDescription, WorkflowDescription } from "../sdk/protocol.js";
import type { Annotation } from "./check-report.js";
import { inspectSchedule, type ScheduleSummary } from "./inspect-schedule.js";
import { inspectWorkflow } from "./inspect-workflow.js";
import { findMissingPackages, importLines, packageName } from "./missing-packages.js";

export interface BundledScript {
  path: string;
  /** The pull request adds it: it runs on merge, with its inputs' defaults. (A chore never does: it runs on demand, given its inputs.) */
  willRun: boolean;
  /** A chore (under the chores folder): the only kind of script that may declare a schedule. */
  chore: boolean;
  /** What a chore's schedule may ask for on this server, and the time its next occurrences are counted from. */
  schedules: ScheduleLimits;
  nowMs: number;
  scriptCwd: string;
  /** The names of SCRIPT_ENV: a script whose `env` asks for another is refused when it runs. */
  scriptEnv: readonly string[];
  /** The repository files of its bundle (path → text), the script's own included. */
  texts: Map<string, string>;
  /** Bare imports the bundle leaves to run time. */
  externals: string[];
}

export interface ScriptInspection {
  annotations: Annotation[];
  problems: string[];
  missingPackages: string[];
  /** A chore's valid schedule, in words and with its next occurrences; null without one. */
  schedule: ScheduleSummary | null;
  /** A workflow's steps, read without problems; null for any other script. */
  workflow: WorkflowDescription | null;
  /** The approval each run waits for, read without problems; null when it asks none. */
  approval: ApprovalDescription | null;
  /** How an iteration goes through its collection, read without problems; null for any other script. */
  iteration: IterationDescription | null;
}

/**
 * What chorebot will make of a script that bundled: its definition, read from the source
 * (parsed with TypeScript, never run), whether its `env` asks for variables SCRIPT_ENV does
 * not allow, whether its schedule is one this server runs (see inspectSchedule), a workflow's
 * steps and which of them have no rollback (see inspectWorkflow), and the
 * packages it imports that are not installed where scripts run, at the lines importing them.
 * Runs in the check thread.
 */
export function inspectBundledScript(script: BundledScript): ScriptInspection {
  const { path, texts } = script;
  const result: ScriptInspection = { annotations: [], problems: [], missingPackages: [], schedule: null, workflow: null, approval: null, iteration: null };
  // The definition as the worker will read it: from the source, never by running it.
  const { problems, definition } = readScriptDefinition(texts.get(path)!, path);
  for (const problem of problems) {
    result.annotations.push({
      path,
      start_line: problem.line,
      end_line: problem.line,
      start_column: problem.column,
      end_column: problem.column,
      annotation_level: "failure",
      title: "Definition not readable",
      message: problem.message,
    });
  }
  if (problems.length > 0) result.problems.push(`chorebot cannot read its definition (${problems.length} problem${problems.length === 1 ? "" : "s"})`);
  const needed = requiredWithoutDefault(definition).map((name) => `\`${name}\``);
  if (script.willRun && needed.length > 0) {
    const message = `input ${needed.join(", ")} is required and has no default: a merged script runs with its defaults, so it would be refused.`;
    result.annotations.push({ path, start_line: 1, end_line: 1, annotation_level: "failure", title: "Required input without a default", message });
    result.problems.push("a required input has no default");
  }
  const refusal = envRefusal(definition, script.scriptEnv);
  if (refusal !== null) {
    const at = locateOption(texts.get(path)!, path, "env") ?? { line: 1, column: 1 };
    const message = `${refusal[0]!.toUpperCase()}${refusal.slice(1)}. Until then chorebot refuses to run it.`;
    result.annotations.push({ path, start_line: at.line, end_line: at.line, annotation_level: "failure", title: "Variable not in SCRIPT_ENV", message });
    result.problems.push("env asks for variables SCRIPT_ENV does not allow");
  }
  if (definition !== null) {
    const schedule = inspectSchedule({ path, source: texts.get(path)!, chore: script.chore }, definition, script.schedules, script.nowMs);
    result.annotations.push(...schedule.annotations);
    result.problems.push(...schedule.problems);
    result.schedule = schedule.summary;
    const workflow = inspectWorkflow({ path, source: texts.get(path)! }, definition);
    result.annotations.push(...workflow.annotations);
    result.workflow = workflow.workflow;
    result.approval = definition.approval ?? null;
    result.iteration = definition.iteration ?? null;
  }
  result.missingPackages = findMissingPackages(script.externals, script.scriptCwd);
  for (const specifier of result.missingPackages) {
    const name = packageName(specifier);
    const message = `\`${name}\` is not installed where scripts run (SCRIPT_CWD); merge the dependency first.`;
    const places = [...texts].flatMap(([repoPath, text]) => importLines(text, specifier).map((line) => ({ repoPath, line })));
    if (places.length === 0) places.push({ repoPath: path, line: 1 });
    for (const place of places) {
      result.annotations.push({
        path: place.repoPath,
        start_line: place.line,
        end_line: place.line,
        annotation_level: "failure",
        title: "Package not installed",
        message,
      });
    }
    result.problems.push(`\`${name}\` is not installed`);
  }
  return result;
}
