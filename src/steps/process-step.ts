import type { Job } from "bullmq";
import { countApprovals, type ApprovalCount } from "../github/count-approvals.js";
import type { MergedPullRequest } from "../github/merged-pull-requests.js";
import type { GitHubClient } from "../github/octokit.js";
import { firstRunRefusal } from "../github/rerun-guard.js";
import { reviewedReader } from "../github/read-reviewed-file.js";
import type { Provenance, PullRequestInfo } from "../run-types.js";
import { bundleScript } from "../runner/bundle-script.js";
import { formatDefinitionProblems } from "../definitions/format-problems.js";
import { readScriptDefinition } from "../definitions/read-definition.js";
import { requiredWithoutDefault } from "../definitions/required-inputs.js";
import { createRedactor } from "../runner/redact.js";
import { redactDescription } from "../runner/redact-description.js";
import { annotateSpan, runAttributes } from "../telemetry/annotate-span.js";
import type { BundleStore } from "../stores/bundle-store.js";
import { onlyChildValue } from "./children-value.js";
import type { CleanupResult, ProcessResult, ReviewedInputs, RunJobData } from "../pipeline/job-data.js";
import { RecentResults } from "../stores/recent-results.js";
import { failingInWords } from "./step-error.js";
import { readInputsFile } from "./read-inputs-file.js";

// Long enough for a merge's scripts to be processed together, short enough that a retry
// minutes later (a dismissed review, a dashboard retry) asks GitHub again.
const APPROVALS_TTL_MS = 10_000;

export interface ProcessDeps {
  octokitFor(installationId: number): Promise<GitHubClient>;
  /** Compiler messages and the bundle quote source lines, shown in the dashboard and the log: every value to hide from them (see valuesToRedact). */
  valuesToRedact: readonly string[];
  bundles: BundleStore;
}

/**
 * Step 1: decide whether the script may run and bundle it exactly as it was at the merge
 * commit. Touches nothing in production, so GitHub errors simply throw and BullMQ retries.
 */
export function processStep(deps: ProcessDeps) {
  const redact = createRedactor(deps.valuesToRedact);
  // The scripts of one pull request share its reviews: ask GitHub once for all of them.
  const recentApprovals = new RecentResults<ApprovalCount>(APPROVALS_TTL_MS);
  // Told in words, so the dashboard and /api/runs say what failed, not a stack.
  return failingInWords("checking the script's pull request and bundling it", async (job: Job<RunJobData>): Promise<ProcessResult> => {
    const { target } = job.data;
    annotateSpan(runAttributes(job.data));
    const octokit = await deps.octokitFor(target.installationId);
    // The repository's own record decides first whether this run may happen at all; asked
    // alongside everything else, so it adds no round trip before the script can start.
    const guarding = firstRunRefusal(octokit, target);
    guarding.catch(() => {}); // awaited below
    const decision = await decide(job, octokit);
    const handled = await guarding;
    if (handled !== null) {
      await job.log(`not run again: ${handled}`);
      return { provenance: decision.result.provenance, alreadyHandled: handled, description: null, problem: null };
    }
    if (decision.bundle !== null) await deps.bundles.save(job.data.runId, decision.bundle);
    await job.log(decision.note);
    return decision.result;
  });

  async function decide(job: Job<RunJobData>, octokit: GitHubClient): Promise<Decision> {
    const { target } = job.data;
    const pull = target.pullRequest;
    const unapproved: Provenance = { pullRequest: pull && pullRequestInfo(pull), approvedBy: [], refusal: null };
    if (target.configError) return refused(unapproved, target.configError);
    if (target.forced) {
      return refused(unapproved, `the push to ${target.defaultBranch} was a force-push; scripts only run from a normal merge`);
    }
    if (target.refusal || !pull) return refused(unapproved, target.refusal ?? `no pull request added ${target.path}`);

    const key = `${target.owner}/${target.repo}#${pull.number}@${pull.headSha}`;
    const counting = recentApprovals.get(key, () => countApprovals(octokit, { owner: target.owner, repo: target.repo, ...pull }));

    // Only regular text files someone reviewed are bundled; anything else is remembered and
    // refuses the run. Read and bundled while approvals are counted: reading runs nothing,
    // and a refused script's bundle is simply dropped.
    // The inputs file too must be the version discover found approved (its pull request head's).
    const approved = new Map([[target.path, target.blob]]);
    if (target.inputsFile) approved.set(target.inputsFile.path, target.inputsFile.blob);
    const read = reviewedReader(octokit, { owner: target.owner, repo: target.repo, pullRequest: pull, approved });
    const inputsEntry = target.inputsFile ? read(target.inputsFile.path) : null;
    inputsEntry?.catch(() => {}); // awaited below unless the run is refused first
    const refusals: string[] = [];
    let source: string | null = null;
    const readFile = async (path: string) => {
      const entry = await read(path);
      if (entry.kind === "refused") refusals.push(entry.reason);
      if (entry.kind === "file" && path === target.path) source = entry.text;
      return entry.kind === "file" ? entry.text : null;
    };
    // A GitHub error while reading makes bundleScript reject (not report a compile error),
    // so the job fails and is retried instead of blaming the script.
    const bundling = bundleScript({ entry: target.path, readFile });
    bundling.catch(() => {}); // awaited below unless the run is refused first
    const approvals = await counting;
    const provenance: Provenance = { ...unapproved, approvedBy: approvals.approvedBy };
    const earlier = await onlyChildValue<CleanupResult>(job, { optional: true });
    if (earlier && earlier.status !== "succeeded" && earlier.commit !== null && target.config.stopOnFailure) {
      return refused(provenance, `${earlier.script} ran before it in this merge and ended ${earlier.status}; the repository sets stopOnFailure`);
    }
    const required = target.config.requiredApprovals;
    if (approvals.approvedBy.length < required) {
      const ignored = approvals.notCounted.length > 0 ? ` (not counted: ${approvals.notCounted.join(", ")})` : "";
      return refused(
        provenance,
        `pull request #${pull.number} has ${approvals.approvedBy.length} approving review(s) on its final commit ` +
          `from people with write access other than its author @${pull.author}; ${required} required${ignored}`,
      );
    }
    const bundle = await bundling;
    if (refusals.length > 0) return refused(provenance, [...new Set(refusals)].join("; "));
    if (!bundle.ok) {
      const detail = redact(bundle.message);
      return failed(provenance, `did not bundle: ${detail}`, { message: "the script did not bundle", detail });
    }
    // What it declares is read from its source, never by running it: it runs once, in execute.
    const reading = readScriptDefinition(source!, target.path);
    if (reading.problems.length > 0) {
      const detail = redact(formatDefinitionProblems(target.path, reading.problems));
      return failed(provenance, `definition unreadable: ${detail}`, { message: "chorebot cannot read the script's definition", detail });
    }
    const description = reading.definition;
    // A reviewed inputs file gives the values, checked again here as the pull request check did.
    let reviewedInputs: ReviewedInputs | undefined;
    if (target.inputsFile && inputsEntry) {
      const given = await readInputsFile(inputsEntry, { path: target.inputsFile.path, script: target.path, reading });
      if (!given.ok) return refused(provenance, redact(given.reason));
      reviewedInputs = { ...given.inputs, logged: redactLogged(given.inputs.logged, redact) };
    }
    // A merged script runs with its defaults: one that needs a value nobody can give is refused now.
    const needed = reviewedInputs ? [] : requiredWithoutDefault(description);
    if (needed.length > 0) {
      return refused(
        provenance,
        redact(`input ${needed.map((name) => `\`${name}\``).join(", ")} is required and has no default; a merged script runs with its defaults`),
      );
    }
    return {
      result: {
        provenance,
        alreadyHandled: null,
        description: redactDescription(description, redact),
        problem: null,
        ...(reviewedInputs ? { reviewedInputs } : {}),
      },
      bundle: bundle.code,
      note: `bundled ${bundle.files.join(", ")} (${bundle.code.length} bytes)${description ? ", an SDK script" : ""}${reviewedInputs ? `, inputs from ${reviewedInputs.path}` : ""}`,
    };
  }
}

/** What process decided, before the re-run guard has its say: the result, the bundle to keep, a job log line. */
interface Decision {
  result: ProcessResult;
  bundle: string | null;
  note: string;
}

function failed(provenance: Provenance, note: string, problem: { message: string; detail: string }): Decision {
  return { result: { provenance, alreadyHandled: null, description: null, problem: { status: "failed", ...problem } }, bundle: null, note };
}

function refused(provenance: Provenance, reason: string): Decision {
  const result: ProcessResult = {
    provenance: { ...provenance, refusal: reason },
    alreadyHandled: null,
    description: null,
    problem: { status: "refused", message: reason, detail: null },
  };
  return { result, bundle: null, note: `refused: ${reason}` };
}

function pullRequestInfo(pull: MergedPullRequest): PullRequestInfo {
  return { number: pull.number, url: pull.url, author: pull.author, title: pull.title };
}

/** The logged values with what the log must never show (an allowlisted variable's value typed into a file) redacted. */
function redactLogged(logged: ReviewedInputs["logged"], redact: (text: string) => string): ReviewedInputs["logged"] {
  return Object.fromEntries(Object.entries(logged).map(([name, value]) => [name, typeof value === "string" ? redact(value) : value]));
}
