import { posix } from "node:path";
import { countApprovals } from "../github/count-approvals.js";
import { readScriptDefinition } from "../definitions/read-definition.js";
import { requiredWithoutDefault } from "../definitions/required-inputs.js";
import { isEntryScript } from "../github/entry-script.js";
import type { GitHubClient } from "../github/octokit.js";
import { entryReaderAtCommit } from "../github/read-file-at-commit.js";
import { loadRepoConfig, REPO_CONFIG_PATH, type ServerLimits } from "../github/repo-config.js";
import { bundleScript } from "../runner/bundle-script.js";
import { fitAnnotation } from "./annotation-batches.js";
import { bundleAnnotations } from "./bundle-annotations.js";
import { conclusionOf, type Annotation, type CheckReport } from "./check-report.js";
import { collectTsconfigChain, collectTypeCheckFiles } from "./collect-type-check-files.js";
import { loadTypeScript } from "./load-typescript.js";
import { findMissingPackages, importLines, packageName } from "./missing-packages.js";
import { renderSummary, type ScriptResult } from "./render-summary.js";
import { scriptsOnlyAnnotations, type ChangedFile } from "./scripts-only-policy.js";
import { typeCheckScripts } from "./type-check-scripts.js";

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
}

/** More annotations than this are counted in the summary, not sent. */
export const ANNOTATION_LIMIT = 1000;

interface ScriptAnalysis {
  path: string;
  willRun: boolean;
  annotations: Annotation[];
  problems: string[];
  /** Repository files of the bundle (for the type check), when it bundled. */
  files: string[] | null;
  missingPackages: string[];
  typeChecked: boolean;
}

/**
 * What the scripts of a pull request will do when it is merged, as a check-run report:
 * whether each bundles, type-checks and finds its packages where scripts run, whether the
 * pull request keeps to the scripts folder, and who still has to approve. `null` when the
 * pull request adds or changes no entry script (and leaves the configuration alone).
 * Problems of the scripts are report content; only GitHub errors throw.
 */
export async function analyzePullRequest(
  octokit: GitHubClient,
  pr: PullRequestRef,
  settings: CheckSettings,
): Promise<CheckReport | null> {
  const { owner, repo, headSha } = pr;
  const loaded = await loadRepoConfig(octokit, { owner, repo, ref: pr.baseRef }, settings.limits);
  const { config } = loaded;
  const changed: ChangedFile[] = (
    await octokit.paginate(octokit.rest.pulls.listFiles, { owner, repo, pull_number: pr.number, per_page: 100 })
  ).map((file) => ({ filename: file.filename, status: file.status, ...(file.previous_filename ? { previous_filename: file.previous_filename } : {}) }));

  const entries = changed
    .filter((file) => file.status !== "removed" && file.status !== "unchanged" && isEntryScript(file.filename, config.scriptsDir))
    .sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  const touchesConfig = changed.some((file) => file.filename === REPO_CONFIG_PATH);
  // The settings it brings apply from the next push; still, say now if they are invalid.
  const proposed = touchesConfig ? await loadRepoConfig(octokit, { owner, repo, ref: headSha }, settings.limits) : loaded;
  if (entries.length === 0 && (!touchesConfig || proposed.ok)) return null;

  const annotations: Annotation[] = [];
  const notes: string[] = [];
  const configError = [loaded, proposed].find((candidate) => !candidate.ok)?.error ?? null;
  if (configError !== null) {
    annotations.push({ path: REPO_CONFIG_PATH, start_line: 1, end_line: 1, annotation_level: "failure", title: "Invalid chorebot configuration", message: configError });
  }
  if (touchesConfig) {
    notes.push(`This pull request changes \`${REPO_CONFIG_PATH}\`: it is judged by the settings on \`${pr.baseRef}\`; its own apply from the next push.`);
  }

  const read = entryReaderAtCommit(octokit, { owner, repo, commit: headSha });
  const texts = new Map<string, string>();
  const readText = async (path: string): Promise<string | null> => {
    const entry = await read(path);
    if (entry.kind !== "file") return null;
    texts.set(path, entry.text);
    return entry.text;
  };

  const scripts: ScriptAnalysis[] = [];
  for (const file of entries) scripts.push(await analyzeScript(file, config.scriptsDir, read, texts, settings.scriptCwd));

  // One type check for every script that bundled, when the repository has a tsconfig.json.
  const tsconfig = await readText("tsconfig.json");
  const bundled = scripts.filter((script) => script.files !== null);
  if (tsconfig !== null && bundled.length > 0) {
    const ts = await loadTypeScript();
    if (ts === null) {
      notes.push("TypeScript is not installed on the chorebot server, so the scripts were not type-checked.");
    } else {
      try {
        const configFiles = await collectTsconfigChain(ts, readText);
        const packageFiles = await collectTypeCheckFiles(ts, packageJsons(bundled.map((s) => s.path)), readText, texts);
        const perScript = new Map<ScriptAnalysis, Set<string>>();
        const files = new Map([...configFiles, ...packageFiles]);
        for (const script of bundled) {
          const own = await collectTypeCheckFiles(ts, [script.path, ...script.files!], readText, texts);
          perScript.set(script, new Set(own.keys()));
          for (const [path, text] of own) files.set(path, text);
        }
        const found = typeCheckScripts(ts, {
          scriptCwd: settings.scriptCwd,
          files,
          entries: bundled.map((s) => s.path),
          missingPackages: bundled.flatMap((s) => s.missingPackages),
        });
        for (const script of bundled) {
          script.typeChecked = /\.(m|c)?tsx?$/.test(script.path);
          const own = perScript.get(script)!;
          const errors = found.filter((a) => a.annotation_level === "failure" && own.has(a.path)).length;
          if (errors > 0) script.problems.push(`${errors} type error${errors === 1 ? "" : "s"}`);
        }
        annotations.push(...found);
      } catch (error) {
        if ((error as Error).name === "HttpError") throw error;
        notes.push(`The type check could not run: ${(error as Error).message}`);
      }
    }
  }

  for (const script of scripts) annotations.push(...script.annotations);
  const outside = scriptsOnlyAnnotations(changed, config.scriptsDir, config.policy.scriptsOnly);
  annotations.push(...outside);
  if (outside.length > 0) {
    notes.push(
      `This pull request also changes ${outside.length} file(s) outside \`${config.scriptsDir}/\` ` +
        `(policy \`scriptsOnly: ${config.policy.scriptsOnly}\`).`,
    );
  }

  const { approvedBy } = await countApprovals(octokit, { owner, repo, number: pr.number, author: pr.author, headSha });

  const unique = dedupe(annotations);
  const sent = unique.slice(0, ANNOTATION_LIMIT).map(fitAnnotation);
  const conclusion = conclusionOf(unique, configError !== null);
  const running = scripts.filter((s) => s.willRun);
  const results: ScriptResult[] = running.map((s) => ({ path: s.path, problems: s.problems, typeChecked: s.typeChecked }));
  const notRunning = scripts.filter((s) => !s.willRun);
  if (notRunning.length > 0) {
    notes.push(
      `Changed but not run on merge (only scripts the pull request adds run): ${notRunning.map((s) => `\`${s.path}\``).join(", ")}` +
        (notRunning.some((s) => s.problems.length > 0) ? "; see the annotations for their problems." : "."),
    );
  }
  const summary = renderSummary({
    config,
    configError,
    scripts: results,
    scriptEnv: settings.scriptEnv,
    author: pr.author,
    approvedBy,
    notes,
    omittedAnnotations: unique.length - sent.length,
  });
  return { conclusion, title: titleFor(unique, running.length, Math.max(0, config.requiredApprovals - approvedBy.length), configError !== null), summary, annotations: sent };
}

async function analyzeScript(
  file: ChangedFile,
  scriptsDir: string,
  read: ReturnType<typeof entryReaderAtCommit>,
  texts: Map<string, string>,
  scriptCwd: string,
): Promise<ScriptAnalysis> {
  const path = file.filename;
  // Like the push handler: a script runs on merge when the pull request adds it or moves it in.
  const willRun =
    file.status === "added" ||
    ((file.status === "renamed" || file.status === "copied") && !(file.previous_filename && isEntryScript(file.previous_filename, scriptsDir)));
  const result: ScriptAnalysis = { path, willRun, annotations: [], problems: [], files: null, missingPackages: [], typeChecked: false };
  if (!willRun) {
    result.annotations.push({
      path,
      start_line: 1,
      end_line: 1,
      annotation_level: "warning",
      title: "Will not run on merge",
      message: `${path} already exists on the base branch; chorebot only runs scripts a pull request adds. Add a new script instead.`,
    });
  }
  const refusals: { path: string; reason: string }[] = [];
  const readFile = async (repoPath: string) => {
    const entry = await read(repoPath);
    if (entry.kind === "refused") refusals.push({ path: repoPath, reason: entry.reason });
    if (entry.kind !== "file") return null;
    texts.set(repoPath, entry.text);
    return entry.text;
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
  // The definition as the worker will read it: from the source, never by running it.
  const { problems, definition } = readScriptDefinition(texts.get(path)!, path);
  for (const problem of problems) {
    result.annotations.push({ path, start_line: problem.line, end_line: problem.line, start_column: problem.column, end_column: problem.column, annotation_level: "failure", title: "Definition not readable", message: problem.message });
  }
  if (problems.length > 0) result.problems.push(`chorebot cannot read its definition (${problems.length} problem${problems.length === 1 ? "" : "s"})`);
  const needed = requiredWithoutDefault(definition).map((name) => `\`${name}\``);
  if (willRun && needed.length > 0) {
    const message = `input ${needed.join(", ")} is required and has no default: a merged script runs with its defaults, so it would be refused.`;
    result.annotations.push({ path, start_line: 1, end_line: 1, annotation_level: "failure", title: "Required input without a default", message });
    result.problems.push("a required input has no default");
  }
  result.files = bundle.files;
  result.missingPackages = findMissingPackages(bundle.externals, scriptCwd);
  for (const specifier of result.missingPackages) {
    const name = packageName(specifier);
    const message = `\`${name}\` is not installed where scripts run (SCRIPT_CWD); merge the dependency first.`;
    const places = bundle.files.flatMap((repoPath) => importLines(texts.get(repoPath) ?? "", specifier).map((line) => ({ repoPath, line })));
    if (places.length === 0) places.push({ repoPath: path, line: 1 });
    for (const place of places) {
      result.annotations.push({ path: place.repoPath, start_line: place.line, end_line: place.line, annotation_level: "failure", title: "Package not installed", message });
    }
    result.problems.push(`\`${name}\` is not installed`);
  }
  return result;
}

/** package.json files TypeScript reads to tell ES modules from CommonJS: the root and each script's folder. */
function packageJsons(entries: readonly string[]): string[] {
  const dirs = new Set(["", ...entries.map((entry) => posix.dirname(entry))]);
  return [...dirs].map((dir) => (dir === "" || dir === "." ? "package.json" : `${dir}/package.json`));
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

function titleFor(annotations: readonly Annotation[], scripts: number, missingApprovals: number, configError: boolean): string {
  const failures = annotations.filter((a) => a.annotation_level === "failure").length;
  const warnings = annotations.filter((a) => a.annotation_level === "warning").length;
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (configError && failures <= 1) return "Invalid .github/chorebot.yml";
  if (failures > 0) return `${count(failures, "problem")} to fix before merging`;
  const ready = `${count(scripts, "script")} will run on merge`;
  const parts = [ready];
  if (warnings > 0) parts.push(count(warnings, "warning"));
  if (missingApprovals > 0) parts.push(`${count(missingApprovals, "approval")} missing`);
  return parts.join("; ");
}
