import { setTimeout as sleep } from "node:timers/promises";
import { commitRunLog, commitRunLogs, type RunLogCommit, type RunLogResult } from "../github/commit-run-log.js";
import type { GitHubClient } from "../github/octokit.js";
import { TURN_POLL_MS, type TakeTurn } from "../stores/branch-turns.js";

// One commit's worth: GitHub takes the logs inline in one createTree request.
const MAX_BATCH_CHANGES = 50;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

interface Waiting {
  octokit: GitHubClient;
  change: RunLogCommit;
  // The promise's own resolve/reject: plain functions, passed around unbound.
  resolve: (result: RunLogResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for run logs. Cleanups of one repository that are in this process at the same
 * time share one commit: while a commit is being made, the logs that arrive wait and go
 * together in the next. Many scripts finishing at once (a merge of many scripts with
 * `order: parallel`) then cost a few commits instead of one each, every one of them racing
 * for the branch head. Each log still lands in the same commit as its script's deletion.
 *
 * With `turn`, processes also take turns to commit to a branch, and each turn commits what
 * has gathered while the process waited for it.
 *
 * A batch that fails is retried one change at a time, so one bad change fails only its own
 * cleanup job (which BullMQ retries) and never its neighbours'.
 */
export class RunLogBatcher {
  private readonly lanes = new Map<string, Waiting[]>();
  private readonly turn: TakeTurn;
  private readonly commitOne: typeof commitRunLog;
  private readonly commitMany: typeof commitRunLogs;

  constructor(o: { turn?: TakeTurn; one?: typeof commitRunLog; many?: typeof commitRunLogs } = {}) {
    this.turn = o.turn ?? (async () => async () => {});
    this.commitOne = o.one ?? commitRunLog;
    this.commitMany = o.many ?? commitRunLogs;
  }

  commit(octokit: GitHubClient, change: RunLogCommit): Promise<RunLogResult> {
    // A pull request per run is the point of that mode: nothing to share.
    if (change.mode === "pull_request") return this.commitOne(octokit, change);
    const key = `${change.owner}/${change.repo}:${change.branch}`;
    return new Promise((resolve, reject) => {
      const waiting = this.lanes.get(key);
      if (waiting) {
        waiting.push({ octokit, change, resolve, reject });
        return;
      }
      this.lanes.set(key, [{ octokit, change, resolve, reject }]);
      void this.drain(key);
    });
  }

  /** Commits the lane's waiting changes, batch after batch, until none are left. */
  private async drain(key: string): Promise<void> {
    const waiting = this.lanes.get(key)!;
    for (let turns = 0; waiting.length > 0; turns++) {
      // Leave a waiting process room to take the next turn.
      if (turns > 0) await sleep(TURN_POLL_MS);
      let endTurn: () => Promise<void>;
      try {
        endTurn = await this.turn(key);
      } catch (error) {
        for (const w of waiting.splice(0)) w.reject(error);
        break;
      }
      // Taken now, not before the turn came: what gathered meanwhile goes in this commit.
      const batch = takeBatch(waiting);
      try {
        const results = await this.commitMany(
          batch[0]!.octokit,
          batch.map((w) => w.change),
        );
        batch.forEach((w, i) => w.resolve(results[i]!));
      } catch (error) {
        if (batch.length === 1) batch[0]!.reject(error);
        else for (const w of batch) await this.commitOne(w.octokit, w.change).then(w.resolve, w.reject);
      } finally {
        await endTurn();
      }
    }
    this.lanes.delete(key);
  }
}

function takeBatch(waiting: Waiting[]): Waiting[] {
  let bytes = 0;
  let count = 0;
  while (count < waiting.length && count < MAX_BATCH_CHANGES) {
    bytes += waiting[count]!.change.log.length;
    if (count > 0 && bytes > MAX_BATCH_BYTES) break;
    count++;
  }
  return waiting.splice(0, count);
}
