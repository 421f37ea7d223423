import type { Job } from "bullmq";
import { checkProvenance } from "../github/check-provenance.js";
import type { GitHubClient } from "../github/octokit.js";
import { fileReaderAtCommit } from "../github/read-file-at-commit.js";
import { bundleScript } from "../runner/bundle-script.js";
import type { ProcessResult, RunJobData } from "./job-data.js";

export interface ProcessDeps {
  octokitFor(installationId: number): Promise<GitHubClient>;
  requiredApprovals: number;
}

/**
 * Step 1: decide whether the script may run and bundle it exactly as it was at the merge
 * commit. Touches nothing in production, so GitHub errors simply throw and BullMQ retries.
 */
export function processStep(deps: ProcessDeps) {
  return async (job: Job<RunJobData>): Promise<ProcessResult> => {
    const { target } = job.data;
    const octokit = await deps.octokitFor(target.installationId);
    const provenance = await checkProvenance(octokit, { ...target, requiredApprovals: deps.requiredApprovals });
    if (provenance.refusal) {
      await job.log(`refused: ${provenance.refusal}`);
      return { provenance, code: null, problem: { status: "refused", message: provenance.refusal, detail: null } };
    }

    // A GitHub error while reading makes bundleScript reject (not report a compile error),
    // so the job fails and is retried instead of blaming the script.
    const bundle = await bundleScript({ entry: target.path, readFile: fileReaderAtCommit(octokit, target) });
    if (!bundle.ok) {
      await job.log(`did not bundle: ${bundle.message}`);
      return { provenance, code: null, problem: { status: "failed", message: "the script did not bundle", detail: bundle.message } };
    }
    await job.log(`bundled ${bundle.files.join(", ")} (${bundle.code.length} bytes)`);
    return { provenance, code: bundle.code, problem: null };
  };
}
