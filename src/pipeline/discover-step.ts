import type { FlowProducer, Job } from "bullmq";
import type { MergedPush } from "../github/handle-push.js";
import { addedScripts, listPushedFiles } from "../github/find-added-scripts.js";
import type { GitHubClient } from "../github/octokit.js";
import { loadRepoConfig, type ServerLimits } from "../github/repo-config.js";
import { annotateSpan } from "../telemetry/annotate-span.js";
import { enqueueRuns } from "./enqueue-run.js";

export interface DiscoverDeps {
  octokitFor(installationId: number): Promise<GitHubClient>;
  flows: FlowProducer;
  limits: ServerLimits;
  githubStepAttempts: number;
}

/** Step 0: find the entry scripts a merge added and queue one run for each. */
export function discoverStep(deps: DiscoverDeps) {
  return async (job: Job<MergedPush>): Promise<{ runIds: string[] }> => {
    const push = job.data;
    const { owner, repo } = push;
    annotateSpan({ "chorebot.repository": `${owner}/${repo}`, "chorebot.commit": push.after });
    const octokit = await deps.octokitFor(push.installationId);
    // The repository's settings as merged, so a PR cannot loosen them for its own script.
    // Both at once: which files the push changed does not depend on the settings.
    const [repoConfig, files] = await Promise.all([
      loadRepoConfig(octokit, { owner, repo, ref: push.after }, deps.limits),
      listPushedFiles(octokit, push),
    ]);
    const { config } = repoConfig;
    const scripts = addedScripts(files, config.scriptsDir);
    if (scripts.length === 0) {
      await job.log("no entry scripts added");
      return { runIds: [] };
    }
    const configError = repoConfig.ok ? null : repoConfig.error;
    const runIds = await enqueueRuns(
      deps.flows,
      scripts.map((path) => ({
        owner,
        repo,
        installationId: push.installationId,
        defaultBranch: push.defaultBranch,
        commit: push.after,
        path,
        forced: push.forced,
        config,
        configError,
      })),
      deps,
    );
    annotateSpan({ "chorebot.run_ids": runIds });
    await job.log(`queued ${runIds.join(", ")} (order: ${config.order})`);
    return { runIds };
  };
}
