import type { Job } from "bullmq";
import { commitRunLog } from "../github/commit-run-log.js";
import type { GitHubClient } from "../github/octokit.js";
import { createRedactor } from "../runner/redact.js";
import { redactExecution } from "../runner/redact-execution.js";
import { renderRunLog } from "../runlog/render-run-log.js";
import { runLogPath } from "../runlog/run-log-path.js";
import type { CleanupJobData, CleanupResult, ExecuteResult } from "./job-data.js";

export interface CleanupDeps {
  octokitFor(installationId: number): Promise<GitHubClient>;
  secrets: readonly string[];
  /** The outcome of the run's first attempt, when the job is the flow parent of `execute`. */
  flowOutcome(job: Job<CleanupJobData>): Promise<ExecuteResult>;
}

/**
 * Step 3: commit the run log and delete the script in one commit. Runs nothing, so it is
 * retried freely; the log is rendered from the stored execute result, so a retry writes
 * the same bytes to the same path and commitRunLog turns it into a no-op.
 */
export function cleanupStep(deps: CleanupDeps) {
  const redact = createRedactor(deps.secrets);
  return async (job: Job<CleanupJobData>): Promise<CleanupResult> => {
    const { runId, target } = job.data;
    const { process: processed, execution, runner, attempt } = job.data.outcome ?? (await deps.flowOutcome(job));
    const { logsDir, scriptsDir } = target.config;
    const logPath = runLogPath({ logsDir, scriptsDir, script: target.path, commit: target.commit, attempt });
    const log = renderRunLog({
      runId,
      jobIds: { process: runId, execute: runId, cleanup: job.id ?? runId },
      script: target.path,
      repository: `${target.owner}/${target.repo}`,
      commit: target.commit,
      pullRequest: processed.provenance.pullRequest,
      approvedBy: processed.provenance.approvedBy,
      execution: redactExecution(execution, redact),
      code: processed.code === null ? null : redact(processed.code),
      attempt,
      runner,
    });
    const octokit = await deps.octokitFor(target.installationId);
    const landed = await commitRunLog(octokit, {
      owner: target.owner,
      repo: target.repo,
      branch: target.defaultBranch,
      logPath,
      log,
      scriptPath: target.path,
      mode: target.config.cleanup,
      branchName: `chorebot/cleanup-${job.id ?? runId}`,
      message: `chorebot: ${target.path} ${execution.status}${attempt > 1 ? ` (attempt ${attempt})` : ""}\n\nRun ${runId}; log in ${logPath}.`,
    });
    const cleanupPullRequest = landed.kind === "pull_request" ? { number: landed.number, url: landed.url } : null;
    if (landed.kind === "pull_request") await job.log(`${logPath} proposed in pull request #${landed.number} (auto-merge: ${landed.autoMerge})`);
    else await job.log(landed.created ? `committed ${logPath} in ${landed.commit}` : `${logPath} was already committed`);
    return { script: target.path, logPath, commit: landed.commit, status: execution.status, cleanupPullRequest };
  };
}
