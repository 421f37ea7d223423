import { createHash } from "node:crypto";
import type { FlowProducer } from "bullmq";
import type { IndexedChore, RepoCatalog } from "../catalog-types.js";
import type { CommandComment, LoggedInput, RunRequest, ScheduledTry, ScriptTarget } from "../run-types.js";
import type { InputType } from "../sdk/protocol.js";
import type { ChoreRuns } from "../stores/chore-runs.js";
import type { InputFile, RawInputs, RunInputs } from "../stores/run-inputs.js";
import { runFlow } from "./enqueue-run.js";
import type { RunJobData } from "./job-data.js";
import { withFormat } from "./job-format.js";
import { choreRunId } from "./run-id.js";

export interface ChoreRunRequest {
  catalog: RepoCatalog;
  /** The indexed version that runs (the catalog entry's `runnable`). */
  chore: IndexedChore;
  /** The GitHub login of who asked. */
  requestedBy: string;
  /** Names the request (e.g. the form's one-time key): the same key twice is one run. */
  requestKey: string;
  /**
   * The non-file inputs by name, validated by the page and written back as text the SDK parses
   * again when the script starts; secret values included (the run masks them in all it records).
   */
  values: Record<string, string>;
  /** Uploads for the file inputs, by name. */
  files: Record<string, InputFile>;
  /** Where it was asked from: the chores page (the default), a comment or the API. */
  trigger?: RunRequest["trigger"];
  /** The run's unique name, already claimed in RunNames for this run's id. */
  name?: string;
  /** For a comment: the comment and chorebot's reply. */
  comment?: CommandComment;
  /** For a scheduled run: the occurrence and try it is. */
  schedule?: ScheduledTry;
  /** The run's id when the caller derives it (a scheduled try's); otherwise it derives from the request key. */
  runId?: string;
  /** How long the run waits before it starts (a scheduled retry's backoff); none by default. */
  delayMs?: number;
}

export interface EnqueueChoreRunDeps {
  flows: FlowProducer;
  inputs: Pick<RunInputs, "save">;
  history: Pick<ChoreRuns, "record">;
  githubStepAttempts: number;
}

/**
 * Queues a run of a chore a person asked for: the same process ◄─ execute ◄─ cleanup flow as
 * a merged script, with the indexed version as its target and the request in `target.chore`.
 * The raw values (secret ones and file contents included) go to RunInputs, never into the
 * jobs' data, which holds only what the log shows: secret inputs masked, files by name, size
 * and sha256. Only declared inputs are taken, a file input only from an upload and any other
 * only from a value, so no value can name a path on the worker. The run id derives from the
 * request key: asking twice with one key queues one run.
 */
export async function enqueueChoreRun(deps: EnqueueChoreRunDeps, request: ChoreRunRequest): Promise<{ runId: string }> {
  const { catalog, chore } = request;
  const runId = request.runId ?? choreRunId({ owner: catalog.owner, repo: catalog.repo, name: chore.name, requestKey: request.requestKey });
  const declared = chore.description?.inputs ?? {};
  const raw: RawInputs = { values: {}, files: {} };
  const logged: Record<string, LoggedInput> = {};
  for (const [name, input] of Object.entries(declared)) {
    if (input.type === "file") {
      const file = Object.hasOwn(request.files, name) ? request.files[name] : undefined;
      if (file === undefined) continue;
      raw.files[name] = file;
      logged[name] = { file: file.filename, bytes: file.bytes.length, sha256: createHash("sha256").update(file.bytes).digest("hex") };
    } else {
      const value = Object.hasOwn(request.values, name) ? request.values[name] : undefined;
      // An empty value is no value (the input's default applies), as the SDK reads it.
      if (value === undefined || value === "") continue;
      raw.values[name] = value;
      logged[name] = input.secret ? { secret: true } : loggedValue(input.type, value);
    }
  }
  const target: ScriptTarget = {
    owner: catalog.owner,
    repo: catalog.repo,
    installationId: catalog.installationId,
    defaultBranch: catalog.defaultBranch,
    commit: chore.commit,
    committedAt: chore.committedAt,
    path: chore.path,
    blob: chore.blob,
    pullRequest: null,
    refusal: null,
    config: catalog.config,
    configError: null,
    chore: {
      name: chore.name,
      request: {
        trigger: request.trigger ?? "ui",
        requestedBy: request.requestedBy,
        requestedAt: new Date().toISOString(),
        inputs: logged,
        ...(request.name === undefined ? {} : { name: request.name }),
        ...(request.comment === undefined ? {} : { comment: request.comment }),
        ...(request.schedule === undefined ? {} : { schedule: request.schedule }),
      },
    },
  };
  const data: RunJobData = withFormat({ runId, target });
  // The inputs first: the run must find them whenever it starts.
  await deps.inputs.save(runId, raw);
  await deps.flows.add(runFlow(data, { githubStepAttempts: deps.githubStepAttempts, startDelayMs: request.delayMs }));
  await deps.history.record({ owner: catalog.owner, repo: catalog.repo, name: chore.name }, runId, target.chore!.request.requestedAt);
  return { runId };
}

/**
 * A value as the log shows it: typed as the script receives it (the page wrote back each value
 * the SDK's coerceInputs made of it, so `3`, `true` and `2.5` read back exactly).
 */
function loggedValue(type: InputType, value: string): LoggedInput {
  if (type === "int" || type === "float") return Number(value);
  if (type === "bool") return value === "true";
  return value;
}
