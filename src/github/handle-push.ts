import type { Context } from "probot";
import type { ScriptTarget } from "../run-types.js";
import { findAddedScripts } from "./find-added-scripts.js";
import { readPushFacts } from "./push-facts.js";
import { decidePush } from "./push-filter.js";
import { loadRepoConfig, type ServerLimits } from "./repo-config.js";

export type EnqueueRuns = (targets: ScriptTarget[]) => Promise<string[]>;

/**
 * On a push to the default branch, queue one run per entry script the push added. Nothing
 * is decided about running here: provenance is checked by the `process` step, where
 * GitHub errors are retried, and every found script ends in a committed log either way.
 */
export function handlePush(enqueue: EnqueueRuns, limits: ServerLimits) {
  return async (context: Context<"push">): Promise<void> => {
    const facts = readPushFacts(context.payload);
    if (!facts.ok) {
      context.log.warn(`push ignored: ${facts.reason}`);
      return;
    }
    const { push } = facts;
    const defaultBranch = push.repository.default_branch;
    const decision = decidePush({ ...push, defaultBranch });
    if (!decision.handle) {
      context.log.debug({ ref: push.ref }, `push ignored: ${decision.reason}`);
      return;
    }
    const installationId = push.installation?.id;
    if (installationId === undefined) {
      context.log.warn("push ignored: the payload names no installation");
      return;
    }
    const owner = push.repository.owner.login;
    const repo = push.repository.name;
    // The repository's settings as merged, so a PR cannot loosen them for its own script.
    const repoConfig = await loadRepoConfig(context.octokit, { owner, repo, ref: push.after }, limits);
    const { config } = repoConfig;
    const scripts = await findAddedScripts(context.octokit, { owner, repo, before: push.before, after: push.after, scriptsDir: config.scriptsDir });
    if (scripts.length === 0) return;
    const configError = repoConfig.ok ? null : repoConfig.error;
    const runIds = await enqueue(
      scripts.map((path) => ({
        owner,
        repo,
        installationId,
        defaultBranch: defaultBranch!,
        commit: push.after,
        path,
        forced: push.forced,
        config,
        configError,
      })),
    );
    context.log.info({ commit: push.after, scripts, runIds, forced: push.forced, order: config.order }, `queued ${scripts.length} script run(s)`);
  };
}
