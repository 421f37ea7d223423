import type { GitHubClient } from "../github/octokit.js";
import { annotationBatches } from "./annotation-batches.js";
import type { CheckReport } from "./check-report.js";

export const CHECK_NAME = "chorebot";

/**
 * Posts the report as a completed `chorebot` check run on the head commit: the first 50
 * annotations with the create request, the rest in further updates of 50 (GitHub's limit
 * per request; updates append annotations). Returns the check run's id.
 */
export async function postCheckRun(octokit: GitHubClient, at: { owner: string; repo: string; headSha: string }, report: CheckReport): Promise<number> {
  const [first = [], ...rest] = annotationBatches(report.annotations);
  const output = { title: report.title, summary: report.summary };
  const { data } = await octokit.rest.checks.create({
    owner: at.owner,
    repo: at.repo,
    name: CHECK_NAME,
    head_sha: at.headSha,
    status: "completed",
    conclusion: report.conclusion,
    completed_at: new Date().toISOString(),
    output: { ...output, annotations: first },
  });
  for (const batch of rest) {
    await octokit.rest.checks.update({ owner: at.owner, repo: at.repo, check_run_id: data.id, output: { ...output, annotations: batch } });
  }
  return data.id;
}
