import type { ScriptTarget } from "../run-types.js";
import { parseRunLog } from "../runlog/parse-run-log.js";
import { earlierRunLogPaths } from "../runlog/run-log-path.js";
import { targetLogPath, type LoggedTarget } from "../runlog/target-log-path.js";
import { isNotFound } from "./http-error.js";
import type { GitHubClient } from "./octokit.js";

type GuardTarget = Pick<ScriptTarget, "owner" | "repo" | "defaultBranch"> & LoggedTarget;

/**
 * The re-run guard the repository keeps. Redis forgets finished runs after their retention,
 * so a push delivered again later (an admin's redelivery, a restored backup, a cleaned queue)
 * would queue its scripts anew. Before attempt 1 of a run starts, the default branch must
 * show that it has not happened: no log of the run at any path a release of chorebot wrote it
 * to, and the script still there. A chore run (`runId` needed) checks only that its log is
 * absent: its chore is meant to stay. Returns why the run must not start, or null.
 */
export async function firstRunRefusal(octokit: GitHubClient, target: GuardTarget, runId?: string): Promise<string | null> {
  if (target.chore) {
    const log = targetLogPath(target, 1, runId);
    return (await exists(octokit, target, log, target.defaultBranch)) ? `its run log ${log} is already on ${target.defaultBranch}` : null;
  }
  const { logsDir, scriptsDir } = target.config;
  const at = { logsDir, scriptsDir, script: target.path, commit: target.commit, attempt: 1 };
  const logs = [...new Set([targetLogPath(target, 1), ...earlierRunLogPaths(at)])];
  const [found, present] = await Promise.all([
    Promise.all(logs.map((path) => holdsLogOf(octokit, target, path, target.path))),
    exists(octokit, target, target.path, target.defaultBranch),
  ]);
  const logged = logs.find((_, i) => found[i]) ?? null;
  if (logged !== null) return `its run log ${logged} is already on ${target.defaultBranch}`;
  if (!present) return `${target.path} is no longer on ${target.defaultBranch}`;
  return null;
}

/** A person's retry (attempt ≥ 2) checks only that its own attempt's log is absent (`runId` needed for a chore run). */
export async function retryRefusal(octokit: GitHubClient, target: GuardTarget, attempt: number, runId?: string): Promise<string | null> {
  const log = targetLogPath(target, attempt, runId);
  return (await exists(octokit, target, log, target.defaultBranch)) ? `the log of attempt ${attempt}, ${log}, is already on ${target.defaultBranch}` : null;
}

/**
 * Whether the run log of `script` is at `path` on the default branch. One scheme's path can be
 * another's for a different script (the flat `logs/2026/11/x.ts-<sha>.md` of
 * `scripts/2026/11/x.ts` is the dated one of `scripts/x.ts`), so a log that names another
 * script in its front matter is not this run's. A log too large for the contents API to
 * return, or unreadable, counts as this run's: when in doubt, nothing runs.
 */
async function holdsLogOf(octokit: GitHubClient, target: GuardTarget, path: string, script: string): Promise<boolean> {
  let data;
  try {
    ({ data } = await octokit.rest.repos.getContent({ owner: target.owner, repo: target.repo, path, ref: target.defaultBranch }));
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
  if (Array.isArray(data) || data.type !== "file" || !data.content || data.encoding !== "base64") return true;
  try {
    const named = parseRunLog(Buffer.from(data.content, "base64").toString("utf8")).frontMatter.script;
    return typeof named !== "string" || named === script;
  } catch {
    return true;
  }
}

/** Whether `path` is at `ref`: 404 says no; any other failure throws, and the job is retried. */
async function exists(octokit: GitHubClient, repo: { owner: string; repo: string }, path: string, ref: string): Promise<boolean> {
  try {
    await octokit.rest.repos.getContent({ owner: repo.owner, repo: repo.repo, path, ref });
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}
