import type { Context } from "probot";
import type { ScriptTarget } from "../run-types.js";
import { findAddedScripts } from "./find-added-scripts.js";
import { decidePush } from "./push-filter.js";

export type EnqueueRuns = (targets: ScriptTarget[]) => Promise<string[]>;

/**
 * On a push to the default branch, queue one run per entry script the push added. Nothing
 * is decided about running here: provenance is checked by the `process` step, where
 * GitHub errors are retried, and every found script ends in a committed log either way.
 */
export function handlePush(enqueue: EnqueueRuns) {
  return async (context: Context<"push">): Promise<void> => {
    const { payload } = context;
    const decision = decidePush({
      ref: payload.ref,
      before: payload.before,
      after: payload.after,
      deleted: payload.deleted,
      defaultBranch: payload.repository.default_branch,
    });
    if (!decision.handle) {
      context.log.debug({ ref: payload.ref }, `push ignored: ${decision.reason}`);
      return;
    }
    const installationId = payload.installation?.id;
    if (installationId === undefined) {
      context.log.warn("push ignored: the payload names no installation");
      return;
    }
    const { owner, repo } = context.repo();
    const scripts = await findAddedScripts(context.octokit, { owner, repo, before: payload.before, after: payload.after });
    if (scripts.length === 0) return;
    const defaultBranch = payload.repository.default_branch!;
    const runIds = await enqueue(
      scripts.map((path) => ({ owner, repo, installationId, defaultBranch, commit: payload.after, path, forced: payload.forced })),
    );
    context.log.info({ commit: payload.after, scripts, runIds }, `queued ${scripts.length} script run(s)`);
  };
}
