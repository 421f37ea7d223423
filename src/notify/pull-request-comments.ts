import { createHash, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Cluster, Redis } from "ioredis";
import type { GitHubClient } from "../github/octokit.js";
import { failureMentions, mentionLine } from "./failure-mentions.js";
import { forComment, renderPullRequestComment } from "./pull-request-comment.js";
import type { RunNotice } from "./run-notice.js";

// By default as long as a failed run stays retryable (FAILED_JOB_RETENTION's default).
const KEEP_MS = 30 * 24 * 3600 * 1000;
const LOCK_MS = 30_000;
const POLL_MS = 200;

/** Where the state of a pull request's comment is kept. */
function commentKey(prefix: string, owner: string, repo: string, pullRequest: number): string {
  return `${prefix}:pr-comment:${owner}/${repo}#${pullRequest}`;
}

/**
 * The one comment chorebot keeps on each merged pull request, updated as its runs finish.
 * Each run's report is stored in Redis (the comment's id too), and the comment is rendered
 * from that data, never read back. Cleanups finishing together coalesce: one of them holds
 * the pull request's lock and renders every report stored so far, again while more arrive;
 * the others only wait until their own report is in the posted comment. So a merge of many
 * scripts costs a few comment writes, not one per run.
 */
export class PullRequestComments {
  /**
   * `keepMs`: how long a pull request's comment state stays after its last report; give the
   * longest run retention, so that any run still retryable updates the same comment. A report
   * after that starts a new comment.
   */
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
    private readonly keepMs = KEEP_MS,
  ) {}

  /** Adds (or replaces) this run attempt's report and returns once the comment shows it. */
  async publish(octokit: GitHubClient, report: RunNotice, pullRequest: number, timeoutMs = 2 * LOCK_MS): Promise<number> {
    const { owner, repo } = report.repository;
    const key = commentKey(this.prefix, owner, repo, pullRequest);
    const replies = await this.redis
      .multi()
      .hset(key, `run:${report.runId}:${report.attempt}`, JSON.stringify(forComment(report)))
      .hincrby(key, "version", 1)
      .pexpire(key, this.keepMs)
      .exec();
    const mine = Number(replies?.[1]?.[1]);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [shown, id] = await this.redis.hmget(key, "shown", "id");
      if (Number(shown ?? 0) >= mine) return Number(id);
      const token = randomUUID();
      if ((await this.redis.set(`${key}:lock`, token, "PX", LOCK_MS, "NX")) === "OK") {
        try {
          await this.renderWhileChanging(octokit, key, { owner, repo, pullRequest }, () => this.extend(`${key}:lock`, token));
        } finally {
          await this.release(`${key}:lock`, token);
        }
        continue;
      }
      if (Date.now() > deadline) throw new Error(`the comment on pull request #${pullRequest} did not show run ${report.runId} within ${timeoutMs} ms`);
      await sleep(POLL_MS);
    }
  }

  /** Posts what is stored, again until no report arrived meanwhile. */
  private async renderWhileChanging(
    octokit: GitHubClient,
    key: string,
    at: { owner: string; repo: string; pullRequest: number },
    extendLock: () => Promise<void>,
  ): Promise<void> {
    for (;;) {
      await extendLock();
      const fields = await this.redis.hgetall(key);
      const version = Number(fields.version ?? 0);
      if (Number(fields.shown ?? 0) >= version) return;
      const runs = Object.entries(fields)
        .filter(([field]) => field.startsWith("run:"))
        .map(([, json]) => JSON.parse(json) as RunNotice);
      const body = renderPullRequestComment(runs);
      const digest = createHash("sha256").update(body).digest("hex");
      const failing = failureMentions(runs);
      const mentioned: string[] = fields.mentioned ? (JSON.parse(fields.mentioned) as string[]) : [];
      if (!fields.id) {
        const { data } = await octokit.rest.issues.createComment({ owner: at.owner, repo: at.repo, issue_number: at.pullRequest, body });
        await this.redis.hset(key, "id", data.id, "mentioned", JSON.stringify(failing.people));
      } else if (fields.posted !== digest) {
        // A retried cleanup stores the same report again: nothing to write then.
        await octokit.rest.issues.updateComment({ owner: at.owner, repo: at.repo, comment_id: Number(fields.id), body });
        // GitHub notifies no one of a mention added by an edit: people the comment names for
        // the first time are told in a comment of their own, once.
        const told = new Set(mentioned.map((login) => login.toLowerCase()));
        const fresh = failing.people.filter((login) => !told.has(login.toLowerCase()));
        if (fresh.length > 0) {
          const ping = `${mentionLine(fresh, failing.runs)} The chorebot comment above has the details.`;
          await octokit.rest.issues.createComment({ owner: at.owner, repo: at.repo, issue_number: at.pullRequest, body: ping });
          await this.redis.hset(key, "mentioned", JSON.stringify([...mentioned, ...fresh]));
        }
      }
      await this.redis.hset(key, "shown", version, "posted", digest);
    }
  }

  private async extend(lock: string, token: string): Promise<void> {
    await this.redis.eval('if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end return 0', 1, lock, token, LOCK_MS);
  }

  private async release(lock: string, token: string): Promise<void> {
    await this.redis.eval('if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0', 1, lock, token);
  }
}
