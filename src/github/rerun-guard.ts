import type { ScriptTarget } from "../run-types.js";
import { earlierRunLogPaths, runLogPath } from "../runlog/run-log-path.js";
import type { GitHubClient } from "./octokit.js";

type GuardTarget = Pick<ScriptTarget, "owner" | "repo" | "defaultBranch" | "path" | "commit" | "committedAt" | "config">;

/**
 * The re-run guard the repository keeps. Redis forgets finished runs after their retention,
 * so a push delivered again later (an admin's redelivery, a restored backup, a cleaned queue)
 * would queue its scripts anew. Before attempt 1 of a run starts, the default branch must
 * show that it has not happened: no log of the run at any path a release of chorebot wrote it
 * to, and the script still there. Returns why the run must not start, or null.
 */
export async function firstRunRefusal(octokit: GitHubClient, target: GuardTarget): Promise<string | null> {
  const { logsDir, scriptsDir } = target.config;
  const at = { logsDir, scriptsDir, script: target.path, commit: target.commit, attempt: 1 };
  const logs = [runLogPath({ ...at, committedAt: target.committedAt }), ...earlierRunLogPaths(at)];
  const [logged, present] = await Promise.all([
    firstExisting(octokit, target, logs, target.defaultBranch),
    exists(octokit, target, target.path, target.defaultBranch),
  ]);
  if (logged !== null) return `its run log ${logged} is already on ${target.defaultBranch}`;
  if (!present) return `${target.path} is no longer on ${target.defaultBranch}`;
  return null;
}

/** A person's retry (attempt ≥ 2) checks only that its own attempt's log is absent. */
export async function retryRefusal(octokit: GitHubClient, target: GuardTarget, attempt: number): Promise<string | null> {
  const { logsDir, scriptsDir } = target.config;
  const log = runLogPath({ logsDir, scriptsDir, script: target.path, commit: target.commit, committedAt: target.committedAt, attempt });
  return (await exists(octokit, target, log, target.defaultBranch)) ? `the log of attempt ${attempt}, ${log}, is already on ${target.defaultBranch}` : null;
}

async function firstExisting(octokit: GitHubClient, repo: { owner: string; repo: string }, paths: string[], ref: string): Promise<string | null> {
  const found = await Promise.all(paths.map((path) => exists(octokit, repo, path, ref)));
  return paths.find((_, i) => found[i]) ?? null;
}

/** Whether `path` is at `ref`: 404 says no; any other failure throws, and the job is retried. */
async function exists(octokit: GitHubClient, repo: { owner: string; repo: string }, path: string, ref: string): Promise<boolean> {
  try {
    await octokit.rest.repos.getContent({ owner: repo.owner, repo: repo.repo, path, ref });
    return true;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return false;
    throw error;
  }
}
