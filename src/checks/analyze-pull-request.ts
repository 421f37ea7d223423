import { countApprovals } from "../github/count-approvals.js";
import { changedChores, changedScripts, type ChangedScript } from "../github/changed-scripts.js";
import { inputsFilePath, isInputsFile } from "../github/inputs-file-path.js";
import { isGitHubHttpError } from "../github/http-error.js";
import type { GitHubClient } from "../github/octokit.js";
import { listPullRequestFiles } from "../github/pull-request-files.js";
import { entryReaderAtCommit } from "../github/read-file-at-commit.js";
import { loadRepoConfig, REPO_CONFIG_PATH, type ServerLimits } from "../github/repo-config.js";
import { DEFAULT_SCHEDULE_LIMITS, type ScheduleLimits } from "../config.js";
import { bundleScript } from "../runner/bundle-script.js";
import type { ApprovalDescription, IterationDescription, WorkflowDescription } from "../sdk/protocol.js";
import { fitAnnotation } from "./annotation-batches.js";
import { bundleAnnotations } from "./bundle-annotations.js";
import { checkInputsFiles } from "./check-inputs-file.js";
import { conclusionOf, type Annotation, type CheckReport } from "./check-report.js";
import { CheckWork } from "./check-work.js";
import { limitStop, type LimitStop } from "./limit-stop.js";
import { renderSummary, type ScriptResult } from "./render-summary.js";
import { scriptsOnlyAnnotations } from "./scripts-only-policy.js";
import type { ScheduleSummary } from "./inspect-schedule.js";
import { DEFAULT_WORK_LIMITS, type WorkLimits } from "./work-limits.js";

export type { Annotation, CheckReport } from "./check-report.js";

export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
  headSha: string;
  /** The branch it would merge into: its settings judge the pull request, not the ones it brings. */
  baseRef: string;
  /** The pull request author's login: their own approval does not count. */
  author: string;
}

export interface CheckSettings {
  /** Where scripts run: packages they import must be installed in its node_modules. */
  scriptCwd: string;
  /** Names of the environment variables scripts get (never their values). */
  scriptEnv: string[];
  limits: ServerLimits;
  /** What bundling and type-checking one pull request may use; default DEFAULT_WORK_LIMITS. */
  workLimits?: WorkLimits;
  /** What a chore's schedule may ask for on this server; default the settings' defaults (DEFAULT_SCHEDULE_LIMITS). */
  schedules?: ScheduleLimits;
}

/** More annotations than this are counted in the summary, not sent. */
export const ANNOTATION_LIMIT = 1000;

interface ScriptAnalysis {
  path: string;
  /** A chore: it stays in the repository and runs on demand, never on merge. */
  chore: boolean;
  willRun: boolean;
  annotations: Annotation[];
  problems: string[];
  /** Repository files of the bundle (for the type check), when it bundled. */
  files: string[] | null;
  missingPackages: string[];
  typeChecked: boolean;
  /** A chore's valid schedule, for the summary. */
  schedule: ScheduleSummary | null;
  /** A workflow's steps, for the summary. */
  workflow: WorkflowDescription | null;
  /** The approval each run waits for, for the summary. */
  approval: ApprovalDescription | null;
  /** An iteration's options, for the summary. */
  iteration: IterationDescription | null;
  /** The title of the limit that stopped its bundling, if one did. */
  stopped: string | null;
}

/**
 * What the scripts of a pull request will do when it is merged, as a check-run report:
 * whether each bundles, type-checks, has a readable definition asking only for variables
 * SCRIPT_ENV allows and finds its packages where scripts run, whether the pull request keeps
 * to the scripts and chores folders, and who still has to approve. The chores it adds or
 * changes get the same checks: they do not run on merge, but what is merged is what runs on
 * demand from then on. `null` when the pull request adds or changes no entry script or chore
 * (and leaves the configuration alone).
 * Problems of the scripts are report content; only GitHub errors throw. The pull request's
 * code is bundled and type-checked in the check thread, within `settings.workLimits`;
 * GitHub is read from here, for it.
 */
export async function analyzePullRequest(octokit: GitHubClient, pr: PullRequestRef, settings: CheckSettings): Promise<CheckReport | null> {
  const { owner, repo, headSha } = pr;
  const loaded = await loadRepoConfig(octokit, { owner, repo, ref: pr.baseRef }, settings.limits);
  const { config } = loaded;
  const { files: changed } = await listPullRequestFiles(octokit, { owner, repo, number: pr.number });
  const entries = changedScripts(changed, config.scriptsDir);
  const chores = changedChores(changed, config.choresDir);
  const touchesConfig = changed.some((file) => file.filename === REPO_CONFIG_PATH);
  // The settings it brings apply from the next push; still, say now if they are invalid.
  const proposed = touchesConfig ? await loadRepoConfig(octokit, { owner, repo, ref: headSha }, settings.limits) : loaded;
  // An inputs file alone is checked too: without its script, it is a mistake to say.
  const inputsFiles = changed.filter((file) => file.status !== "removed" && isInputsFile(file.filename, config.scriptsDir));
  if (entries.length === 0 && chores.length === 0 && inputsFiles.length === 0 && (!touchesConfig || proposed.ok)) return null;

  const annotations: Annotation[] = [];
  const notes: string[] = [];
  const configError = [loaded, proposed].find((candidate) => !candidate.ok)?.error ?? null;
  if (configError !== null) {
    annotations.push({
      path: REPO_CONFIG_PATH,
      start_line: 1,
      end_line: 1,
      annotation_level: "failure",
      title: "Invalid chorebot configuration",
      message: configError,
    });
  }
  if (touchesConfig) {
    notes.push(`This pull request changes \`${REPO_CONFIG_PATH}\`: it is judged by the settings on \`${pr.baseRef}\`; its own apply from the next push.`);
  }

  const work = new CheckWork(settings.workLimits ?? DEFAULT_WORK_LIMITS, entryReaderAtCommit(octokit, { owner, repo, commit: headSha }));

  const scripts: ScriptAnalysis[] = [];
  // A script given an inputs file here may have required inputs: the inputs file check says whether it gives them.
  const withInputs = new Set(inputsFiles.map((file) => file.filename));
  for (const entry of entries) scripts.push(await analyzeScript(entry, false, work, settings, withInputs.has(inputsFilePath(entry.file.filename))));
  for (const file of chores) scripts.push(await analyzeScript({ file, runs: false }, true, work, settings));
  let stopped = scripts.find((script) => script.stopped !== null)?.stopped ?? null;

  // One type check for every script that bundled, when the repository has a tsconfig.json.
  const tsconfig = await work.read("tsconfig.json");
  const bundled = scripts.filter((script) => script.files !== null);
  if (tsconfig.kind === "file" && bundled.length > 0) {
    try {
      const checked = await typeCheck(work, bundled, settings.scriptCwd);
      if (checked === null) {
        notes.push("TypeScript is not installed on the chorebot server, so the scripts were not type-checked.");
      } else {
        annotations.push(...checked.found);
        if (checked.stop !== null) notes.push(checked.stop.message);
        stopped ??= checked.stop?.title ?? null;
      }
    } catch (error) {
      if (isGitHubHttpError(error)) throw error;
      notes.push(`The type check could not run: ${(error as Error).message}`);
    }
  }

  for (const script of scripts) annotations.push(...script.annotations);
  const inputsCheck = await checkInputsFiles({ changed, entries, scriptsDir: config.scriptsDir, read: work.read });
  annotations.push(...inputsCheck.annotations);
  for (const script of scripts) script.problems.push(...(inputsCheck.problems.get(script.path) ?? []));
  const outside = scriptsOnlyAnnotations(changed, config, config.policy.scriptsOnly);
  annotations.push(...outside);
  if (outside.length > 0) {
    notes.push(
      `This pull request also changes ${outside.length} file(s) outside \`${config.scriptsDir}/\` and \`${config.choresDir}/\` ` +
        `(policy \`scriptsOnly: ${config.policy.scriptsOnly}\`).`,
    );
  }

  const { approvedBy } = await countApprovals(octokit, { owner, repo, number: pr.number, author: pr.author, headSha });

  const unique = dedupe(annotations);
  const sent = unique.slice(0, ANNOTATION_LIMIT).map(fitAnnotation);
  const conclusion = conclusionOf(unique, configError !== null);
  const running = scripts.filter((s) => s.willRun);
  const resultOf = (s: ScriptAnalysis): ScriptResult => ({
    path: s.path,
    problems: s.problems,
    typeChecked: s.typeChecked,
    ...(inputsCheck.given.has(s.path) ? { inputsFile: inputsFilePath(s.path) } : {}),
    ...(s.schedule !== null ? { schedule: s.schedule } : {}),
    ...(s.workflow !== null ? { workflow: s.workflow } : {}),
    ...(s.approval !== null ? { approval: s.approval } : {}),
    ...(s.iteration !== null ? { iteration: s.iteration } : {}),
  });
  const choreResults = scripts.filter((s) => s.chore).map(resultOf);
  const notRunning = scripts.filter((s) => !s.willRun && !s.chore);
  if (notRunning.length > 0) {
    notes.push(
      `Changed but not run on merge (only scripts the pull request adds run): ${notRunning.map((s) => `\`${s.path}\``).join(", ")}` +
        (notRunning.some((s) => s.problems.length > 0) ? "; see the annotations for their problems." : "."),
    );
  }
  const summary = renderSummary({
    config,
    configError,
    scripts: running.map(resultOf),
    chores: choreResults,
    scriptEnv: settings.scriptEnv,
    author: pr.author,
    approvedBy,
    notes,
    omittedAnnotations: unique.length - sent.length,
  });
  const title =
    stopped ??
    titleFor(
      unique,
      { scripts: running.length, chores: choreResults.length, scheduled: choreResults.filter((c) => c.schedule !== undefined).length },
      Math.max(0, config.requiredApprovals - approvedBy.length),
      configError !== null,
    );
  return { conclusion, title, summary, annotations: sent };
}

async function analyzeScript(
  { file, runs: willRun }: ChangedScript,
  chore: boolean,
  work: CheckWork,
  settings: CheckSettings,
  inputsFileGiven = false,
): Promise<ScriptAnalysis> {
  const path = file.filename;
  const { scriptCwd, scriptEnv } = settings;
  const result: ScriptAnalysis = {
    path,
    chore,
    willRun,
    annotations: [],
    problems: [],
    files: null,
    missingPackages: [],
    typeChecked: false,
    schedule: null,
    workflow: null,
    approval: null,
    iteration: null,
    stopped: null,
  };
  if (!willRun && !chore) {
    result.annotations.push({
      path,
      start_line: 1,
      end_line: 1,
      annotation_level: "warning",
      title: "Will not run on merge",
      message: `${path} already exists on the base branch; chorebot only runs scripts a pull request adds. Add a new script instead.`,
    });
  }
  // esbuild bundles in a process of its own, this thread only hands it the files. (Run from the
  // check thread, that process would outlive a thread stopped for a limit, as a zombie.)
  const refusals: { path: string; reason: string }[] = [];
  const readFile = async (repoPath: string) => {
    const entry = await work.read(repoPath);
    if (entry.kind === "refused") refusals.push({ path: repoPath, reason: entry.reason });
    return entry.kind === "file" ? entry.text : null;
  };
  const bundle = await bundleScript({ entry: path, readFile });
  for (const refusal of refusals) {
    result.annotations.push({ path: refusal.path, start_line: 1, end_line: 1, annotation_level: "failure", title: "Refused", message: refusal.reason });
    result.problems.push(refusal.reason);
  }
  if (!bundle.ok) {
    const errors = bundleAnnotations(path, bundle.errors);
    result.annotations.push(...errors);
    result.problems.push(`does not bundle (${errors.length} error${errors.length === 1 ? "" : "s"})`);
    return result;
  }
  if (refusals.length > 0) return result;
  const texts = new Map(bundle.files.map((file) => [file, work.texts.get(file) ?? ""]));
  // With an inputs file, required inputs may be given there: checkInputsFiles judges them, not the defaults rule.
  const inspected = await work.run({
    kind: "inspect",
    input: {
      path,
      willRun: willRun && !inputsFileGiven,
      chore,
      schedules: settings.schedules ?? DEFAULT_SCHEDULE_LIMITS,
      nowMs: Date.now(),
      scriptCwd,
      scriptEnv,
      texts,
      externals: bundle.externals,
    },
  });
  if (!inspected.ok) {
    const stop = limitStop("Inspection", inspected.stopped, work.limits);
    result.annotations.push({ path, start_line: 1, end_line: 1, annotation_level: "failure", title: stop.title, message: stop.message });
    result.problems.push(stop.problem);
    result.stopped = stop.title;
    return result;
  }
  result.annotations.push(...inspected.result.annotations);
  result.problems.push(...inspected.result.problems);
  const { missingPackages, schedule, workflow, approval, iteration } = inspected.result;
  return { ...result, files: bundle.files, missingPackages, schedule, workflow, approval, iteration };
}

/**
 * Type-checks the scripts that bundled together; counts each one's errors and, when a limit
 * stopped the check, says so on each of them. Null when TypeScript is not installed here.
 */
async function typeCheck(
  work: CheckWork,
  bundled: readonly ScriptAnalysis[],
  scriptCwd: string,
): Promise<{ found: Annotation[]; stop: LimitStop | null } | null> {
  const gathered = await work.run({ kind: "gather", input: { scripts: bundled.map((s) => ({ path: s.path, files: s.files! })), known: work.texts } });
  if (gathered.ok && gathered.result === null) return null;
  const found: Annotation[] = [];
  const checked = gathered.ok
    ? await work.run(
        {
          kind: "typeCheck",
          input: { scriptCwd, files: gathered.result!.files, entries: bundled.map((s) => s.path), missingPackages: bundled.flatMap((s) => s.missingPackages) },
        },
        (batch) => found.push(...batch),
      )
    : gathered;
  const stop = checked.ok ? null : limitStop("Type check", checked.stopped, work.limits);
  bundled.forEach((script, index) => {
    const own = new Set(gathered.ok ? gathered.result!.ownFiles[index] : []);
    const errors = found.filter((a) => a.annotation_level === "failure" && own.has(a.path)).length;
    if (errors > 0) script.problems.push(`${errors} type error${errors === 1 ? "" : "s"}`);
    if (stop !== null) {
      script.annotations.push({ path: script.path, start_line: 1, end_line: 1, annotation_level: "failure", title: stop.title, message: stop.message });
      script.problems.push(stop.problem);
    } else {
      script.typeChecked = /\.(m|c)?tsx?$/.test(script.path);
    }
  });
  return { found, stop };
}

function dedupe(annotations: readonly Annotation[]): Annotation[] {
  const seen = new Set<string>();
  return annotations.filter((a) => {
    const key = JSON.stringify([a.path, a.start_line, a.start_column, a.annotation_level, a.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function titleFor(
  annotations: readonly Annotation[],
  counts: { scripts: number; chores: number; scheduled: number },
  missingApprovals: number,
  configError: boolean,
): string {
  const failures = annotations.filter((a) => a.annotation_level === "failure").length;
  const warnings = annotations.filter((a) => a.annotation_level === "warning").length;
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (configError && failures <= 1) return "Invalid .github/chorebot.yml";
  if (failures > 0) return `${count(failures, "problem")} to fix before merging`;
  const parts: string[] = [];
  if (counts.scripts > 0 || counts.chores === 0) parts.push(`${count(counts.scripts, "script")} will run on merge`);
  if (counts.chores > 0) parts.push(`${count(counts.chores, "chore")} (run${counts.chores === 1 ? "s" : ""} on demand, not on merge)`);
  if (counts.scheduled > 0) parts.push(`${counts.scheduled} on a schedule`);
  if (warnings > 0) parts.push(count(warnings, "warning"));
  if (missingApprovals > 0) parts.push(`${count(missingApprovals, "approval")} missing`);
  return parts.join("; ");
}
