import { decideAsUser, pauseAsUser, runOfDecision, type RunDeciders } from "../api/decide-as.js";
import type { DecisionRequest } from "../pipeline/decide-run.js";
import { APPROVAL_SIGNAL } from "../sdk/protocol.js";
import type { ChatCommand } from "./parse-command.js";
import type { Reply } from "./render-reply.js";

/** Where a deciding command was written, and by whom. */
export interface DecidingSite {
  owner: string;
  repo: string;
  login: string;
  /** The comment's address: a signal's payload names it. */
  url: string;
}

/**
 * `/chorebot approve|reject|resume|rollback <run>`, `/chorebot continue <run> [name=value …]` and
 * `/chorebot pause <run>` on a run of this repository (by id, or by name through `find`), judged
 * and decided as the API does (decideAsUser, pauseAsUser, via "comment"). `continue` delivers the
 * signal the run waits for, with the payload `{ by, comment, values }`. The reply says what
 * happened, in decideRun's (pauseRun's) words.
 */
export async function decideFromComment(
  deciders: RunDeciders,
  site: DecidingSite,
  command: Extract<ChatCommand, { kind: "decide" | "continue" | "pause" }>,
  find: (run: string) => Promise<string | null>,
): Promise<Reply> {
  const noSuchRun: Reply = { kind: "refused", message: `There is no run ${command.run} here.` };
  const runId = await find(command.run);
  const run = runId === null ? null : await runOfDecision(deciders, runId);
  // A run of another repository is no run here, whatever its id says.
  if (runId === null || run === null || `${run.owner}/${run.repo}`.toLowerCase() !== `${site.owner}/${site.repo}`.toLowerCase()) return noSuchRun;
  if (command.kind === "pause") {
    const paused = await pauseAsUser(deciders, runId, { login: site.login, via: "comment" });
    return { kind: "decided", runId, ok: paused.ok, message: paused.message, by: site.login };
  }
  let request: DecisionRequest;
  if (command.kind === "decide") request = { kind: command.decision };
  else {
    const signal = (await deciders.parked.read(runId))?.signal ?? null;
    if (signal === APPROVAL_SIGNAL) {
      return { kind: "refused", message: `Run ${runId} waits for approvals, not a signal: approve it with /chorebot approve ${runId}.` };
    }
    // Not waiting (null): decided as such, so the reply says the run's state in the same words as everywhere.
    request = { kind: "signal", signal: signal ?? "", payload: { by: site.login, comment: site.url, values: command.values } };
  }
  const answer = await decideAsUser(deciders, runId, request, { login: site.login, via: "comment" });
  return { kind: "decided", runId, ok: answer.ok, message: answer.message, by: site.login };
}
