import type { Cluster, Redis } from "ioredis";
import type { GitHubClient } from "../github/octokit.js";

/** How long Redis remembers a comment was taken; past it, chorebot's reaction on the comment still says so. */
export const COMMAND_KEEP_MS = 30 * 24 * 60 * 60 * 1000;
/** The reaction that says chorebot took a command. */
export const TAKEN_REACTION = "eyes";
// Reactions looked at for chorebot's own (100 a page): a comment others piled 👀 on is still judged by the reaction's answer.
const MAX_REACTION_PAGES = 5;

export interface CommentRef {
  owner: string;
  repo: string;
  commentId: number;
}

/**
 * Makes each command comment taken once, whatever GitHub delivers, in two layers:
 * - a Redis key per comment (SET NX, COMMAND_KEEP_MS): of two deliveries at the same time, on
 *   any web process, one goes on;
 * - chorebot's own 👀 reaction on the comment, which outlives Redis (its retention, a restored
 *   backup, a flushed database): a comment that has it was taken before. GitHub answers 201
 *   when a user adds a reaction and 200 when that user had it already, so adding it is the
 *   last check too.
 * A failure before the reaction was added lets the comment go again, so a redelivery may take it.
 */
export class CommandGuard {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
    /** The app's bot user (`<slug>[bot]`), who its reactions are by. */
    private readonly botLogin: () => Promise<string>,
    private readonly keepMs = COMMAND_KEEP_MS,
  ) {}

  /** Whether this delivery takes the comment: true once, for the first delivery. */
  async take(octokit: GitHubClient, comment: CommentRef): Promise<boolean> {
    const key = `${this.prefix}:command:${comment.commentId}`;
    if ((await this.redis.set(key, "1", "PX", this.keepMs, "NX")) !== "OK") return false;
    try {
      const bot = (await this.botLogin()).toLowerCase();
      const params = { owner: comment.owner, repo: comment.repo, comment_id: comment.commentId };
      for (let page = 1; page <= MAX_REACTION_PAGES; page++) {
        const { data } = await octokit.rest.reactions.listForIssueComment({ ...params, content: TAKEN_REACTION, per_page: 100, page });
        if (data.some((reaction) => reaction.user?.login.toLowerCase() === bot)) return false;
        if (data.length < 100) break;
      }
      const added = await octokit.rest.reactions.createForIssueComment({ ...params, content: TAKEN_REACTION });
      return added.status === 201;
    } catch (error) {
      await this.redis.del(key).catch(() => undefined);
      throw error;
    }
  }
}
