import type { Context } from "probot";
import type { RunStatusView } from "../api/run-status-reader.js";
import { githubStatus, isForbiddenOrNotFound } from "../github/http-error.js";
import type { GitHubClient } from "../github/octokit.js";
import { atLeast } from "../github/permission.js";
import { choreRunId } from "../pipeline/run-id.js";
import type { OnDemand } from "../start-on-demand.js";
import type { Cancellations } from "../stores/cancellations.js";
import type { RequestRate } from "../stores/request-rate.js";
import { RUN_NAME } from "../stores/run-names.js";
import type { CommandGuard } from "./command-guard.js";
import { findCommandLine, MAX_COMMAND_CHARS, type CommandLine } from "./find-command-line.js";
import { parseCommand, type ChatCommand } from "./parse-command.js";
import { comesFromBot } from "./comes-from-bot.js";
import { renderReply, type Reply, type RunReply } from "./render-reply.js";
import { commentInputsProblem } from "./comment-inputs.js";
import type { RunDeciders } from "../api/decide-as.js";
import { decideFromComment } from "./decide-from-comment.js";
import { APPROVAL_SIGNAL } from "../sdk/protocol.js";

export interface ChatOpsDeps {
  onDemand: Pick<OnDemand, "start" | "catalog" | "permission" | "requiredPermission" | "names">;
  runs: { get(runId: string): Promise<RunStatusView | null> };
  cancellations: Pick<Cancellations, "request">;
  guard: Pick<CommandGuard, "take">;
  /** Commands per user and repository (DEFAULT_COMMAND_RATE): past it, one reply says so, then chorebot stays silent. */
  commandRate: Pick<RequestRate, "take">;
  /** A run's page, when the chores pages are served at a known address; null otherwise (the reply names the run's id). */
  runPage: (runId: string) => string | null;
  /** A repository's chores listing on the chores pages, or null. */
  choresPage: () => string | null;
  /** Decisions on parked runs (approve, reject, continue, resume, rollback) and pauses; without it those commands are refused. */
  deciders?: RunDeciders;
}

/** Where a command was written, and by whom. */
interface CommandSite {
  owner: string;
  repo: string;
  installationId: number;
  issueNumber: number;
  commentId: number;
  url: string;
  login: string;
}

/**
 * `/chorebot` commands in issue and pull request comments. Only a new comment by a person
 * counts (the app is registered for `issue_comment.created` only; bots are ignored), and only
 * its one command line outside quotes and code. The first delivery takes it (CommandGuard:
 * chorebot's 👀 on it), any other does nothing. Every command is answered in one reply; a
 * run's reply is edited by the workers as the run goes (its id travels in the job's data).
 */
export function handleIssueComment(deps: ChatOpsDeps) {
  return async (context: Context<"issue_comment.created">): Promise<void> => {
    const { payload } = context;
    if (payload.action !== "created" || comesFromBot(payload.sender) || comesFromBot(payload.comment.user)) return;
    const found = findCommandLine(payload.comment.body ?? "");
    if (found.kind === "none" || !payload.installation) return;
    const site: CommandSite = {
      owner: payload.repository.owner.login,
      repo: payload.repository.name,
      installationId: payload.installation.id,
      issueNumber: payload.issue.number,
      commentId: payload.comment.id,
      url: payload.comment.html_url,
      login: payload.comment.user!.login,
    };
    // Every command costs a reaction and a reply, in chorebot's name and from the installation's
    // rate limits: one person's flood gets one answer, then silence until the window ends.
    const rate = await deps.commandRate.take(site.login, site);
    if (!rate.allowed && !rate.first) {
      context.log.info({ commentId: site.commentId, login: site.login }, "a /chorebot command over its author's rate: ignored");
      return;
    }
    const octokit = context.octokit;
    if (!(await deps.guard.take(octokit, site))) {
      context.log.info({ commentId: site.commentId }, "a /chorebot comment delivered again: it was taken before, nothing done");
      return;
    }
    try {
      if (!rate.allowed) {
        const minutes = Math.ceil(rate.retryAfterMs / 60_000);
        const message = `@${site.login} wrote too many /chorebot commands in ${site.owner}/${site.repo}: the next ones are ignored for ${minutes} min.`;
        await postReply(octokit, site, { kind: "refused", message, nothingRan: true }, context.log);
        return;
      }
      await answer(deps, octokit, site, found, context.log);
    } catch (error) {
      // Taken, so no redelivery will answer it: say so, rather than leave a 👀 and silence.
      context.log.error({ err: error, commentId: site.commentId }, "a /chorebot command failed");
      const failed: Reply = { kind: "refused", message: "chorebot could not answer this command (a server error); write it again in a new comment." };
      await postReply(octokit, site, failed, context.log).catch(() => undefined);
    }
  };
}

type Log = Context["log"];

/** Answers a command taken by this delivery: one reply (a run's is edited later by the workers). */
async function answer(deps: ChatOpsDeps, octokit: GitHubClient, site: CommandSite, found: Exclude<CommandLine, { kind: "none" }>, log: Log): Promise<void> {
  const post = (reply: Reply) => postReply(octokit, site, reply, log);
  if (found.kind === "too-long") {
    await post({
      kind: "refused",
      message: `The /chorebot line is ${found.chars} characters long; a command takes at most ${MAX_COMMAND_CHARS}.`,
      nothingRan: true,
    });
    return;
  }
  if (found.kind === "several") {
    await post({
      kind: "refused",
      message: `This comment has ${found.count} /chorebot lines; write one command per comment.`,
      usage: true,
      nothingRan: true,
    });
    return;
  }
  const parsed = parseCommand(found.line);
  if (!parsed.ok) {
    await post({ kind: "refused", message: `${capitalize(parsed.error)}.`, usage: true, nothingRan: true });
    return;
  }
  const command: ChatCommand = parsed.command;
  if (command.kind === "run") await run(deps, octokit, site, command, log);
  else if (command.kind === "help") await post(await help(deps, site));
  else if (command.kind === "decide" || command.kind === "continue" || command.kind === "pause") await post(await decide(deps, site, command));
  else await post(await aboutRun(deps, site, command));
}

async function run(deps: ChatOpsDeps, octokit: GitHubClient, site: CommandSite, command: Extract<ChatCommand, { kind: "run" }>, log: Log): Promise<void> {
  const post = (reply: Reply) => postReply(octokit, site, reply, log);
  // Refusals known before anything is queued are one reply, never a "queued" edited into a refusal.
  const catalog = await deps.onDemand.catalog.read(site.owner, site.repo);
  const entry = catalog?.chores.find((chore) => chore.name === command.chore);
  const permission = catalog && entry ? await deps.onDemand.permission(catalog, site.login) : "none";
  if (!catalog || !entry || !atLeast(permission, "read")) {
    await post({
      kind: "refused",
      message: `There is no chore ${command.chore} in ${site.owner}/${site.repo} that you can see. \`/chorebot help\` lists them.`,
      nothingRan: true,
    });
    return;
  }
  // The gate judges the role again; asked here too, someone who may not run chores gets one reply, not a "queued" turned into a refusal.
  const required = deps.onDemand.requiredPermission(catalog);
  if (!atLeast(permission, required)) {
    const message = `@${site.login} has ${permission} permission on ${site.owner}/${site.repo}; running its chores needs ${required} or above.`;
    await post({ kind: "refused", message, nothingRan: true });
    return;
  }
  const problem = commentInputsProblem(entry.runnable?.description ?? null, command.values);
  if (problem !== null) {
    await post({ kind: "refused", message: problem.message, errors: problem.errors, nothingRan: true });
    return;
  }
  const requestKey = `comment-${site.commentId}`;
  const runId = choreRunId({ owner: catalog.owner, repo: catalog.repo, name: command.chore, requestKey });
  const facts = { chore: command.chore, requestedBy: site.login, name: command.name };
  // The reply first: its id goes with the run, so that the workers edit it as the run goes.
  const replyId = await post({ kind: "run", run: { ...facts, runId, runPage: deps.runPage(runId), status: "queued" } });
  let started;
  try {
    started = await deps.onDemand.start({
      owner: site.owner,
      repo: site.repo,
      chore: command.chore,
      login: site.login,
      values: command.values,
      requestKey,
      trigger: "comment",
      ...(command.name === undefined ? {} : { name: command.name }),
      comment: { url: site.url, issueNumber: site.issueNumber, commentId: site.commentId, replyId },
    });
  } catch (error) {
    // A failure after the run's jobs were added (its history not recorded, an answer lost) leaves it queued all the
    // same: telling its writer to ask again would run it twice. Its reply stays "queued", and the workers edit it.
    const queued = await deps.runs.get(runId).then(
      (view) => view !== null,
      () => null,
    );
    log.error({ err: error, commentId: site.commentId, runId, queued }, "a /chorebot run may not have been queued");
    if (queued === true) return;
    const refusal: Reply =
      queued === false
        ? { kind: "refused", message: "chorebot could not queue the run (a server error); write the command again in a new comment.", nothingRan: true }
        : {
            kind: "refused",
            message: `chorebot could not tell whether the run was queued (a server error): see /chorebot status ${runId} before you write the command again.`,
          };
    await edit(octokit, site, replyId, refusal, log);
    return;
  }
  if (started.ok) {
    if (started.runId !== runId)
      await edit(octokit, site, replyId, { kind: "run", run: { ...facts, runId: started.runId, runPage: deps.runPage(started.runId), status: "queued" } }, log);
    log.info({ runId: started.runId, commentId: site.commentId, by: site.login }, "a /chorebot comment queued a chore run");
    return;
  }
  let message = started.message;
  if (started.reason === "name-taken") {
    const holder = await deps.runs.get(started.runId).catch(() => null);
    message = `The name ${command.name} is taken in ${site.owner}/${site.repo} by run ${started.runId}${holder ? ` (${holder.status})` : ""}.`;
  }
  const refusal: Reply = { kind: "refused", message, nothingRan: true, ...(started.reason === "invalid-inputs" ? { errors: started.errors } : {}) };
  await edit(octokit, site, replyId, refusal, log);
}

/** The chores of the repository the commenter may see, with their inputs. */
async function help(deps: ChatOpsDeps, site: CommandSite): Promise<Reply> {
  const catalog = await deps.onDemand.catalog.read(site.owner, site.repo);
  const repository = `${site.owner}/${site.repo}`;
  const choresPage = deps.choresPage();
  if (!catalog || !atLeast(await deps.onDemand.permission(catalog, site.login), "read")) return { kind: "help", repository, chores: [], choresPage };
  const chores = catalog.chores.map((entry) => ({
    name: entry.name,
    description: entry.runnable?.description ?? null,
    problem: entry.runnable === null ? (entry.problem?.message ?? "no version may run") : null,
  }));
  return { kind: "help", repository, chores, choresPage };
}

/** `status` and `cancel`: a run of this repository, by id or name, for someone who may see it (and, to cancel, run its chores). */
async function aboutRun(deps: ChatOpsDeps, site: CommandSite, command: Extract<ChatCommand, { kind: "status" | "cancel" }>): Promise<Reply> {
  const repository = `${site.owner}/${site.repo}`;
  const noSuchRun: Reply = { kind: "refused", message: `There is no run ${command.run} here.` };
  const catalog = await deps.onDemand.catalog.read(site.owner, site.repo);
  const ref = catalog ?? { owner: site.owner, repo: site.repo, installationId: site.installationId };
  const permission = await deps.onDemand.permission(ref, site.login);
  if (!atLeast(permission, "read")) return noSuchRun;
  const view = await findRun(deps, site, command.run);
  // A run of another repository is no run here, whatever its id says.
  if (!view || view.repository.toLowerCase() !== repository.toLowerCase()) return noSuchRun;
  if (command.kind === "status") return { kind: "run", run: viewReply(view, deps.runPage(view.id)) };
  if (view.chore === null || !catalog) return { kind: "refused", message: `Run ${view.id} is not a chore run: only chore runs are cancelled from a comment.` };
  const required = deps.onDemand.requiredPermission(catalog);
  if (!atLeast(permission, required)) {
    return { kind: "refused", message: `@${site.login} has ${permission} permission on ${repository}; cancelling its chores needs ${required} or above.` };
  }
  const target = await deps.cancellations.request(view.id, site.login);
  return { kind: "cancel", runId: view.id, target, by: site.login };
}

async function decide(deps: ChatOpsDeps, site: CommandSite, command: Extract<ChatCommand, { kind: "decide" | "continue" | "pause" }>): Promise<Reply> {
  if (deps.deciders === undefined) return { kind: "refused", message: "This chorebot takes no decisions on runs from comments.", nothingRan: true };
  return decideFromComment(deps.deciders, site, command, async (run) => (await findRun(deps, site, run))?.id ?? run);
}

async function findRun(deps: ChatOpsDeps, site: CommandSite, run: string): Promise<RunStatusView | null> {
  const byId = await deps.runs.get(run);
  if (byId) return byId;
  if (!RUN_NAME.test(run)) return null;
  const named = await deps.onDemand.names.find(site, run);
  return named === null ? null : deps.runs.get(named);
}

/** A run's reply from its status view (a `status` command's answer). */
export function viewReply(view: RunStatusView, runPage: string | null): RunReply {
  return {
    runId: view.id,
    chore: view.chore ?? view.script,
    requestedBy: view.trigger === "schedule" ? null : (view.requested_by ?? null),
    startedBy: view.trigger === "schedule" ? "its schedule" : "a merge",
    runPage,
    status: view.status,
    progress: view.progress_done === null ? null : { done: view.progress_done, total: view.progress_total },
    durationMs: view.duration_ms,
    message: view.message,
    output: view.output,
    result: view.result,
    log: view.log ? { path: view.log.path, url: view.log.url } : null,
    waitingReason: view.waiting_reason,
    parked: parkedOf(view),
    workflow: view.workflow ? { declared: view.workflow.steps, entries: view.workflow.entries } : null,
  };
}

/** What decides a parked run, for the reply's commands: an iteration (interrupted or paused) is Resumed only. */
function parkedOf(view: RunStatusView): RunReply["parked"] {
  if (view.paused) return "paused";
  if (view.interrupted) return view.interrupted.step === null ? "interrupted-iteration" : "interrupted";
  if (view.waiting) return view.waiting.signal === APPROVAL_SIGNAL ? "approval" : "signal";
  return null;
}

/** Posts the reply; its id, or null when GitHub refused it (the installation lacks `issues: write`, the issue is locked). */
async function postReply(octokit: GitHubClient, site: CommandSite, reply: Reply, log: Log): Promise<number | null> {
  try {
    const { data } = await octokit.rest.issues.createComment({ owner: site.owner, repo: site.repo, issue_number: site.issueNumber, body: renderReply(reply) });
    return data.id;
  } catch (error) {
    if (!isForbiddenOrNotFound(error) && githubStatus(error) !== 422) throw error;
    log.warn({ commentId: site.commentId, status: githubStatus(error) }, "could not reply to a /chorebot comment");
    return null;
  }
}

async function edit(octokit: GitHubClient, site: CommandSite, replyId: number | null, reply: Reply, log: Log): Promise<void> {
  if (replyId === null) return;
  try {
    await octokit.rest.issues.updateComment({ owner: site.owner, repo: site.repo, comment_id: replyId, body: renderReply(reply) });
  } catch (error) {
    log.warn({ commentId: site.commentId, replyId, status: githubStatus(error) }, "could not edit the reply to a /chorebot comment");
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
