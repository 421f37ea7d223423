import type { Job } from "bullmq";
import { countApprovals, type ApprovalCount } from "../github/count-approvals.js";
import type { MergedPullRequest } from "../github/merged-pull-requests.js";
import type { GitHubClient } from "../github/octokit.js";
import { reviewedReader } from "../github/read-reviewed-file.js";
import type { Provenance, PullRequestInfo } from "../run-types.js";
import { bundleScript } from "../runner/bundle-script.js";
import { formatDefinitionProblems } from "../definitions/format-problems.js";
import { readScriptDefinition } from "../definitions/read-definition.js";
import { requiredWithoutDefault } from "../definitions/required-inputs.js";
import { createRedactor } from "../runner/redact.js";
import { redactDescription } from "../runner/redact-description.js";
import { annotateSpan, runAttributes } from "../telemetry/annotate-span.js";
import type { BundleStore } from "./bundle-store.js";
import { onlyChildValue } from "./children-value.js";
import type { CleanupResult, ProcessResult, RunJobData } from "./job-data.js";
import { RecentResults } from "./recent-results.js";

// Long enough for a merge's scripts to be processed together, short enough that a retry
// minutes later (a dismissed review, a dashboard retry) asks GitHub again.
const APPROVALS_TTL_MS = 10_000;

export interface ProcessDeps {
  octokitFor(installationId: number): Promise<GitHubClient>;
  /** Compiler messages and the bundle quote source lines; they are shown in the dashboard and the log. */
  secrets: readonly string[];
  bundles: BundleStore;
}

/**
 * Step 1: decide whether the script may run and bundle it exactly as it was at the merge
 * commit. Touches nothing in production, so GitHub errors simply throw and BullMQ retries.
 */
export function processStep(deps: ProcessDeps) {
  const redact = createRedactor(deps.secrets);
  // The scripts of one pull request share its reviews: ask GitHub once for all of them.
  const recentApprovals = new RecentResults<ApprovalCount>(APPROVALS_TTL_MS);
  return async (job: Job<RunJobData>): Promise<ProcessResult> => {
    const { target } = job.data;
    annotateSpan(runAttributes(job.data));
    const pull = target.pullRequest;
    const unapproved: Provenance = { pullRequest: pull && pullRequestInfo(pull), approvedBy: [], refusal: null };
    if (target.configError) return refused(job, unapproved, target.configError);
    if (target.forced) {
      return refused(job, unapproved, `the push to ${target.defaultBranch} was a force-push; scripts only run from a normal merge`);
    }
    if (target.refusal || !pull) return refused(job, unapproved, target.refusal ?? `no pull request added ${target.path}`);

    const octokit = await deps.octokitFor(target.installationId);
    const key = `${target.owner}/${target.repo}#${pull.number}@${pull.headSha}`;
    const counting = recentApprovals.get(key, () => countApprovals(octokit, { owner: target.owner, repo: target.repo, ...pull }));

    // Only regular text files someone reviewed are bundled; anything else is remembered and
    // refuses the run. Read and bundled while approvals are counted: reading runs nothing,
    // and a refused script's bundle is simply dropped.
    const read = reviewedReader(octokit, { owner: target.owner, repo: target.repo, pullRequest: pull, approved: new Map([[target.path, target.blob]]) });
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
    if (earlier && earlier.status !== "succeeded" && target.config.stopOnFailure) {
      return refused(job, provenance, `${earlier.script} ran before it in this merge and ended ${earlier.status}; the repository sets stopOnFailure`);
    }
    const required = target.config.requiredApprovals;
    if (approvals.approvedBy.length < required) {
      const ignored = approvals.notCounted.length > 0 ? ` (not counted: ${approvals.notCounted.join(", ")})` : "";
      return refused(
        job,
        provenance,
        `pull request #${pull.number} has ${approvals.approvedBy.length} approving review(s) on its final commit ` +
          `from people with write access other than its author @${pull.author}; ${required} required${ignored}`,
      );
    }
    const bundle = await bundling;
    if (refusals.length > 0) return refused(job, provenance, [...new Set(refusals)].join("; "));
    if (!bundle.ok) {
      const detail = redact(bundle.message);
      await job.log(`did not bundle: ${detail}`);
      return { provenance, code: null, description: null, problem: { status: "failed", message: "the script did not bundle", detail } };
    }
    // What it declares is read from its source, never by running it: it runs once, in execute.
    const reading = readScriptDefinition(source!, target.path);
    if (reading.problems.length > 0) {
      const detail = redact(formatDefinitionProblems(target.path, reading.problems));
      await job.log(`definition unreadable: ${detail}`);
      return { provenance, code: null, description: null, problem: { status: "failed", message: "chorebot cannot read the script's definition", detail } };
    }
    const description = reading.definition;
    // A merged script runs with its defaults: one that needs a value nobody can give is refused now.
    const needed = requiredWithoutDefault(description);
    if (needed.length > 0) {
      return refused(job, provenance, redact(`input ${needed.map((name) => `\`${name}\``).join(", ")} is required and has no default; a merged script runs with its defaults`));
    }
    await deps.bundles.save(job.data.runId, bundle.code);
    await job.log(`bundled ${bundle.files.join(", ")} (${bundle.code.length} bytes)${description ? ", an SDK script" : ""}`);
    return { provenance, code: redact(bundle.code), description: redactDescription(description, redact), problem: null };
  };
}

async function refused(job: Job, provenance: Provenance, reason: string): Promise<ProcessResult> {
  await job.log(`refused: ${reason}`);
  return { provenance: { ...provenance, refusal: reason }, code: null, description: null, problem: { status: "refused", message: reason, detail: null } };
}

function pullRequestInfo(pull: MergedPullRequest): PullRequestInfo {
  return { number: pull.number, url: pull.url, author: pull.author, title: pull.title };
}
