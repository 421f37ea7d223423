import { Job, type Queue } from "bullmq";
import type { RepoCatalog } from "../catalog-types.js";
import { atLeast, type Permission } from "../github/permission.js";
import { decideRun, type DecideAnswer, type DecisionRequest } from "../pipeline/decide-run.js";
import type { RunJobData } from "../pipeline/job-data.js";
import { pauseRun, type PauseAnswer } from "../pipeline/pause-run.js";
import { executeJobId } from "../pipeline/run-id.js";
import type { DecisionVia, RunDecision } from "../run-types.js";
import type { ParkedRuns } from "../stores/parked-runs.js";

/** What every surface deciding on a parked run works with: the decider, and what running the chore is judged by. */
export interface RunDeciders {
  parked: Pick<ParkedRuns, "read" | "decide" | "requestPause">;
  execute: Queue;
  catalog: { read: (owner: string, repo: string) => Promise<RepoCatalog | null> };
  /** `login`'s role on a repository, as GitHub says it (the one starting a chore is judged by). */
  permission: (repo: { owner: string; repo: string; installationId: number }, login: string) => Promise<Permission>;
  /** The role a repository's chores need to run. */
  requiredPermission: (catalog: RepoCatalog) => Permission;
}

/** The repository and chore a run belongs to: they say who may decide on it. */
export interface DecidedRun {
  owner: string;
  repo: string;
  installationId: number | null;
  /** The chore's name; null for a merged script (deciding needs write). */
  chore: string | null;
}

/** A decision's answer, or why the person may not decide: no such run they can see (404), too low a role (403). */
export type DecideAsAnswer =
  | DecideAnswer
  | { ok: false; status: 404; refusal: "unknown"; message: string }
  | { ok: false; status: 403; refusal: "forbidden"; message: string; permission: Permission; required: Permission };

/** A merged script was approved by writers: deciding on its run needs as much. */
const SCRIPT_PERMISSION: Permission = "write";

/** The run's repository and chore, from its execute job (what it runs), else its parked record; null for an unknown run. */
export async function runOfDecision(deps: Pick<RunDeciders, "parked" | "execute">, runId: string): Promise<DecidedRun | null> {
  const job = await Job.fromId<RunJobData>(deps.execute, executeJobId(runId));
  const target = job?.data?.target;
  if (target) return { owner: target.owner, repo: target.repo, installationId: target.installationId, chore: target.chore?.name ?? null };
  const parked = await deps.parked.read(runId);
  return parked ? { owner: parked.owner, repo: parked.repo, installationId: null, chore: parked.chore } : null;
}

/** Why `login` may not decide on (or pause) a run: none they can see (404), too low a role (403). */
type UserRefusal = Exclude<DecideAsAnswer, DecideAnswer>;

/**
 * Whether `login` may decide on the run: GitHub gives them what running its chore needs (write
 * for a merged script's run); a run of a repository they cannot read is answered as unknown.
 * Null when they may.
 */
async function refusalFor(deps: RunDeciders, runId: string, login: string): Promise<UserRefusal | null> {
  const run = await runOfDecision(deps, runId);
  const unknown = { ok: false as const, status: 404 as const, refusal: "unknown" as const, message: `There is no run ${runId} that you can see.` };
  if (run === null) return unknown;
  const catalog = await deps.catalog.read(run.owner, run.repo);
  const installationId = run.installationId ?? catalog?.installationId ?? null;
  if (installationId === null) return unknown;
  const permission = await deps.permission({ owner: run.owner, repo: run.repo, installationId }, login);
  if (!atLeast(permission, "read")) return unknown;
  const required = run.chore !== null && catalog !== null ? deps.requiredPermission(catalog) : SCRIPT_PERMISSION;
  if (!atLeast(permission, required)) {
    const what = run.chore === null ? "a merged script's run" : `a run of its chore ${run.chore}`;
    const message = `@${login} has ${permission} permission on ${run.owner}/${run.repo}; deciding on ${what} needs ${required} or above.`;
    return { ok: false, status: 403, refusal: "forbidden", message, permission, required };
  }
  return null;
}

/** `login` decides on the run if they may (see refusalFor). */
export async function decideAsUser(
  deps: RunDeciders,
  runId: string,
  request: DecisionRequest,
  who: { login: string; via: DecisionVia },
): Promise<DecideAsAnswer> {
  return (await refusalFor(deps, runId, who.login)) ?? decideRun(deps, runId, request, { by: who.login, via: who.via });
}

/** A pause's answer, or why the person may not ask for one (as for decisions). */
export type PauseAsAnswer = PauseAnswer | UserRefusal;

/** `login` asks a running iteration to pause, if they may decide on it (see refusalFor): pauseRun, the one pause path. */
export async function pauseAsUser(deps: RunDeciders, runId: string, who: { login: string; via: DecisionVia }): Promise<PauseAsAnswer> {
  return (await refusalFor(deps, runId, who.login)) ?? pauseRun(deps, runId, { by: who.login, via: who.via });
}

/**
 * The dashboard's credentials name no GitHub user: they may Resume an interrupted or a paused run
 * or Roll back an interrupted one (by "dashboard"), and pause a running iteration
 * (pauseAsDashboard); nothing else.
 */
export async function decideAsDashboard(
  deps: RunDeciders,
  runId: string,
  request: { kind: "resume" } | { kind: "rollback" },
  via: DecisionVia,
): Promise<DecideAsAnswer> {
  if ((await runOfDecision(deps, runId)) === null) {
    return { ok: false, status: 404, refusal: "unknown", message: `There is no run ${runId}.` };
  }
  return decideRun(deps, runId, request, { by: "dashboard", via });
}

/** The dashboard's login pauses a running iteration (by "dashboard"). */
export async function pauseAsDashboard(deps: RunDeciders, runId: string, via: DecisionVia): Promise<PauseAnswer> {
  return pauseRun(deps, runId, { by: "dashboard", via });
}

/** The decision an accepted answer took: the run's deciding one, or the approval `by` just gave short of the count. */
export function takenDecision(answer: Extract<DecideAnswer, { ok: true }>, by: string): RunDecision | null {
  if (answer.parked.decision && answer.parked.decision.by.toLowerCase() === by.toLowerCase()) return answer.parked.decision;
  return answer.parked.approval?.approvals.findLast((given) => given.by.toLowerCase() === by.toLowerCase()) ?? answer.parked.decision;
}
