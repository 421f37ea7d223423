import type { CatalogReader, IndexedChore, RepoCatalog } from "../catalog-types.js";
import type { SubmittedFile } from "../chores/parse-submission.js";
import { validateSubmission } from "../chores/validate-submission.js";
import { atLeast, type Permission } from "../github/permission.js";
import type { CommandComment, RunRequest } from "../run-types.js";
import type { RateVerdict } from "../stores/request-rate.js";
import { RUN_NAME, RUN_NAME_RULE, type NameClaim, type NamedRepo } from "../stores/run-names.js";
import type { ChoreRunRequest } from "./enqueue-chore-run.js";
import { choreRunId } from "./run-id.js";

/** Someone asking to run a chore from outside the chores page: a `/chorebot run` comment or the API. */
export interface ChoreAsk {
  owner: string;
  repo: string;
  /** The chore's name in the catalog (`billing/unlock-account`). */
  chore: string;
  /** The GitHub login of who asked, as GitHub identified them (a comment's author, a token's user). */
  login: string;
  /** Input values as text, by name, as the SDK parses them (`3`, `true`, `acct_1`). */
  values: Record<string, string>;
  files?: Record<string, SubmittedFile>;
  /** Names the request: the same key twice is one run (a comment's id, an API idempotency key). */
  requestKey: string;
  trigger: Exclude<RunRequest["trigger"], "merge">;
  /** The run's unique name in the repository, if it is to have one. */
  name?: string;
  comment?: CommandComment;
}

/** Why a start was refused; `status` is the HTTP status the API answers with. */
export type ChoreRefusal =
  | { ok: false; status: 400; reason: "bad-name"; message: string }
  | { ok: false; status: 404; reason: "unknown-chore"; message: string }
  | { ok: false; status: 403; reason: "forbidden"; message: string; permission: Permission; required: Permission }
  | { ok: false; status: 409; reason: "not-runnable"; message: string }
  | { ok: false; status: 409; reason: "name-taken"; message: string; runId: string }
  | { ok: false; status: 422; reason: "invalid-inputs"; message: string; errors: Record<string, string> }
  | { ok: false; status: 429; reason: "rate-limited"; message: string; retryAfterMs: number };

export type ChoreStart = { ok: true; runId: string; catalog: RepoCatalog; chore: IndexedChore } | ChoreRefusal;

export interface StartChoreDeps {
  catalog: Pick<CatalogReader, "read">;
  permission(repo: { owner: string; repo: string; installationId: number }, login: string): Promise<Permission>;
  /** The role a repository's chores need to run (its setting, never below the server's floor). */
  requiredPermission(catalog: RepoCatalog): Permission;
  names: { claim(repo: NamedRepo, name: string, runId: string): Promise<NameClaim>; release(repo: NamedRepo, name: string, runId: string): Promise<void> };
  rate: { take(login: string, repo: NamedRepo): Promise<RateVerdict> };
  enqueue(request: ChoreRunRequest): Promise<{ runId: string }>;
  /** Whether a run with this id is still queued or recorded (its jobs are in Redis): a retried request's. */
  exists?(runId: string): Promise<boolean>;
  /** The largest file a file input takes (CHORE_FILE_LIMIT). */
  fileLimit: number;
}

/**
 * The one gate every on-demand start outside the page goes through, in this order: the name
 * is well formed; the user may see the chore (else it does not exist, for them); the user's
 * role reaches the repository's (else a refusal naming both); the request is within the
 * user's rate; the chore has a runnable version; every input is declared and valid (each
 * bad one's message); the name is free (else the run that has it). Only then is the run
 * queued. Nothing runs on any refusal, and a refusal never holds a secret value.
 */
export async function startChore(deps: StartChoreDeps, ask: ChoreAsk): Promise<ChoreStart> {
  if (ask.name !== undefined && !RUN_NAME.test(ask.name))
    return { ok: false, status: 400, reason: "bad-name", message: `${JSON.stringify(clip(ask.name))} is not a run name: ${RUN_NAME_RULE}` };
  const repository = `${ask.owner}/${ask.repo}`;
  const unknown: ChoreRefusal = {
    ok: false,
    status: 404,
    reason: "unknown-chore",
    message: `There is no chore ${clip(ask.chore)} in ${clip(repository)} that you can see.`,
  };
  const catalog = await deps.catalog.read(ask.owner, ask.repo);
  const entry = catalog?.chores.find((chore) => chore.name === ask.chore);
  if (!catalog || !entry) return unknown;
  const permission = await deps.permission(catalog, ask.login);
  if (!atLeast(permission, "read")) return unknown;
  const required = deps.requiredPermission(catalog);
  if (!atLeast(permission, required)) {
    const message = `@${ask.login} has ${permission} permission on ${repository}; running its chores needs ${required} or above.`;
    return { ok: false, status: 403, reason: "forbidden", message, permission, required };
  }
  const rate = await deps.rate.take(ask.login, catalog);
  if (!rate.allowed) {
    const seconds = Math.ceil(rate.retryAfterMs / 1000);
    return {
      ok: false,
      status: 429,
      reason: "rate-limited",
      message: `Too many runs asked for by @${ask.login} in ${repository}: try again in ${seconds} s.`,
      retryAfterMs: rate.retryAfterMs,
    };
  }
  const chore = entry.runnable;
  if (chore === null) {
    const why = entry.problem ? ` (${entry.problem.message})` : "";
    return { ok: false, status: 409, reason: "not-runnable", message: `The chore ${ask.chore} has no version that may run${why}.` };
  }
  const errors = inputErrors(chore, ask);
  const fields = Object.fromEntries(Object.entries(ask.values).filter(([, value]) => typeof value === "string"));
  const checked = validateSubmission(chore.description, { fields, files: ask.files ?? {} }, deps.fileLimit);
  if (!checked.ok) errors.push(...Object.entries(checked.errors).filter(([name]) => !errors.some(([seen]) => seen === name)));
  if (!checked.ok || errors.length > 0) {
    // Defined, not assigned: an input named `__proto__` is an error like any other, not the object's prototype.
    const byName = Object.fromEntries(errors);
    return { ok: false, status: 422, reason: "invalid-inputs", message: `The inputs of ${ask.chore} are not valid.`, errors: byName };
  }

  const runId = choreRunId({ owner: catalog.owner, repo: catalog.repo, name: chore.name, requestKey: ask.requestKey });
  // A retried request whose run was queued already is that run: it claims no name (a changed one would be held by a run that never has it),
  // and stores no inputs (once the run is recorded its own are gone, and a retry of it from the dashboard would run with these).
  if (await deps.exists?.(runId)) return { ok: true, runId, catalog, chore };
  if (ask.name !== undefined) {
    const claim = await deps.names.claim(catalog, ask.name, runId);
    if (claim.taken) {
      return {
        ok: false,
        status: 409,
        reason: "name-taken",
        message: `The name ${ask.name} is taken in ${repository} by run ${claim.runId}.`,
        runId: claim.runId,
      };
    }
  }
  const request: ChoreRunRequest = {
    catalog,
    chore,
    requestedBy: ask.login,
    requestKey: ask.requestKey,
    values: givenOrDefault(chore, checked.values, fields),
    files: checked.files,
    trigger: ask.trigger,
    ...(ask.name === undefined ? {} : { name: ask.name }),
    ...(ask.comment === undefined ? {} : { comment: ask.comment }),
  };
  try {
    await deps.enqueue(request);
  } catch (error) {
    // Freed only if the run is not queued after all (a write after the flow's failed): a queued run keeps its name.
    const queued = deps.exists ? await deps.exists(runId).catch(() => true) : false;
    if (ask.name !== undefined && !queued) await deps.names.release(catalog, ask.name, runId).catch(() => undefined);
    throw error;
  }
  return { ok: true, runId, catalog, chore };
}

/**
 * What the form's shape would rule out but a comment or an API body can say: a name no input
 * has, a file input given as text (or text as a file), a value that is not text.
 */
function inputErrors(chore: IndexedChore, ask: ChoreAsk): [string, string][] {
  const declared = chore.description?.inputs ?? {};
  const errors: [string, string][] = [];
  for (const [name, value] of Object.entries(ask.values)) {
    const input = Object.hasOwn(declared, name) ? declared[name] : undefined;
    if (input === undefined) errors.push([clip(name), "is not an input of this chore"]);
    else if (input.type === "file") errors.push([name, "is a file input: upload a file instead of giving a value"]);
    else if (typeof value !== "string") errors.push([name, "must be given as text (as it would be typed)"]);
  }
  for (const name of Object.keys(ask.files ?? {})) {
    const input = Object.hasOwn(declared, name) ? declared[name] : undefined;
    if (input === undefined) errors.push([clip(name), "is not an input of this chore"]);
    else if (input.type !== "file") errors.push([name, "is not a file input: give it a value"]);
  }
  return errors;
}

/**
 * The checked values without the bools the request left out: on the form an unticked box is
 * false, but a comment or an API body that says nothing of a bool (or gives it empty) means its default.
 */
function givenOrDefault(chore: IndexedChore, values: Record<string, string>, given: Record<string, string>): Record<string, string> {
  const declared = chore.description?.inputs ?? {};
  return Object.fromEntries(Object.entries(values).filter(([name]) => declared[name]?.type !== "bool" || (Object.hasOwn(given, name) && given[name] !== "")));
}

/** Text from the request as a refusal repeats it: bounded, so a huge comment or body is not echoed back whole. */
function clip(text: string): string {
  return text.length <= MAX_ECHO ? text : `${text.slice(0, MAX_ECHO)}…`;
}

const MAX_ECHO = 100;
