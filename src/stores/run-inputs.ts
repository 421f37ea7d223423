import type { Cluster, Redis } from "ioredis";

/** A file a person uploaded for a file input. */
export interface InputFile {
  /** The name it was uploaded under (shown in the log; the script gets a path of chorebot's choosing). */
  filename: string;
  bytes: Buffer;
}

/** What a person gave a chore run: raw values by input name, and uploaded files by input name. */
export interface RawInputs {
  values: Record<string, string>;
  files: Record<string, InputFile>;
}

/** Long enough for a run that waits (its turn, a lock, a freeze), short enough that a secret does not linger: a safety net, the run's cleanup drops them first. */
export const DEFAULT_INPUTS_TTL_MS = 24 * 60 * 60 * 1000;

const VALUES = "values";
const FILES = "files";
const FILE = "file:";

// Written only if the run has no inputs yet: the same form submitted twice keeps what the
// first submission gave, and the run never reads half of a second one.
const SAVE_ONCE = `
if redis.call("exists", KEYS[1]) == 1 then return 0 end
redis.call("hset", KEYS[1], unpack(ARGV, 2))
redis.call("pexpire", KEYS[1], ARGV[1])
return 1
`;

/**
 * The raw inputs of chore runs, secret values and file contents included, which must never
 * be in a job's data (the dashboard shows it): one hash per run, under the queue prefix (so
 * in the jobs' Redis Cluster slot), written before the run is queued, read by `execute`,
 * dropped by `cleanup` once the run is recorded, and expiring after `ttlMs` whatever happens.
 */
export class RunInputs {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
    readonly ttlMs: number = DEFAULT_INPUTS_TTL_MS,
  ) {}

  /** Keeps the run's inputs unless it has some already; true when these were stored. */
  async save(runId: string, inputs: RawInputs): Promise<boolean> {
    const files = Object.entries(inputs.files);
    const fields: (string | Buffer)[] = [
      VALUES,
      JSON.stringify(inputs.values),
      FILES,
      JSON.stringify(Object.fromEntries(files.map(([name, file]) => [name, file.filename]))),
      ...files.flatMap(([name, file]) => [`${FILE}${name}`, file.bytes]),
    ];
    return (await this.redis.eval(SAVE_ONCE, 1, runInputsKey(this.prefix, runId), String(this.ttlMs), ...fields)) === 1;
  }

  /** The run's inputs; null when they are gone (expired, dropped, or never stored). */
  async load(runId: string): Promise<RawInputs | null> {
    const hash = await this.redis.hgetallBuffer(runInputsKey(this.prefix, runId));
    const values = hash[VALUES];
    const names = hash[FILES];
    if (values === undefined || names === undefined) return null;
    const files: Record<string, InputFile> = {};
    for (const [name, filename] of Object.entries(JSON.parse(names.toString("utf8")) as Record<string, string>)) {
      const bytes = hash[`${FILE}${name}`];
      // A file that is not all there is no input to run with.
      if (bytes === undefined) return null;
      files[name] = { filename, bytes };
    }
    return { values: JSON.parse(values.toString("utf8")) as Record<string, string>, files };
  }

  /** A run parked (waiting for a signal or approvals, or interrupted) may go on any time later: its inputs no longer expire. Its cleanup drops them once it is recorded. */
  async persist(runId: string): Promise<void> {
    await this.redis.persist(runInputsKey(this.prefix, runId));
  }

  /** Once the run is recorded, nothing needs them again. */
  async drop(runId: string): Promise<void> {
    await this.redis.del(runInputsKey(this.prefix, runId));
  }
}

/** The hash of a run's raw inputs; the prefix carries the Redis Cluster hash tag. */
export function runInputsKey(prefix: string, runId: string): string {
  return `${prefix}:run-inputs:${runId}`;
}
