import type { Cluster, Redis } from "ioredis";
import type { CatalogReader, RepoCatalog } from "../catalog-types.js";
import type { FileVerdict } from "../github/judge-file-change.js";

/** How a catalog write went: stored, refused because a pass that read the branch later stored first, or to redo on what another pass stored meanwhile. */
export type CatalogWrite = "written" | "stale" | "moved";

/** A repository's catalog as a pass read it: the document and the ticket of the pass that wrote it (0: none). */
export interface StoredCatalog {
  catalog: RepoCatalog | null;
  version: number;
}

// Stores the document, the runnable bundles and the pass's ticket at once, unless a pass that
// took a later ticket (it read the branch later) wrote first ("stale"), or another pass wrote
// since this one read the catalog it builds on ("moved"). Bundles not named are removed.
// KEYS: the catalog hash, the set of repositories. ARGV: ticket, the version read, document,
// repository member, number of bundle fields kept, those fields, then field/code pairs to store.
const WRITE_SCRIPT = `
local stored = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if stored > tonumber(ARGV[1]) then return 'stale' end
if stored ~= tonumber(ARGV[2]) then return 'moved' end
local kept = {}
local n = tonumber(ARGV[5])
for i = 6, 5 + n do kept[ARGV[i]] = true end
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(field, 1, 7) == 'bundle:' and not kept[field] then redis.call('HDEL', KEYS[1], field) end
end
for i = 6 + n, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[1], 'doc', ARGV[3], 'version', ARGV[1])
redis.call('SADD', KEYS[2], ARGV[4])
return 'written'
`;

/**
 * The chore catalog in Redis: per repository one hash holding its document (RepoCatalog), the
 * bundle of each chore's runnable version (one per chore; a version no longer runnable loses
 * its bundle) and the ticket of the index pass that wrote them; a set of the repositories;
 * and per repository the verdicts on its files' versions (who approved them), kept only for
 * the versions the catalog holds. Keys are under the queue prefix, which carries the Redis
 * Cluster hash tag, so a write touches one slot.
 */
export class ChoreCatalog implements CatalogReader {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
  ) {}

  async repositories(): Promise<Array<{ owner: string; repo: string }>> {
    const members = await this.redis.smembers(this.reposKey);
    const stored = await Promise.all(members.map((member) => this.redis.hget(this.catalogKey(member), "doc")));
    return stored
      .filter((doc): doc is string => doc !== null)
      .map((doc) => JSON.parse(doc) as RepoCatalog)
      .map(({ owner, repo }) => ({ owner, repo }))
      .sort((a, b) => `${a.owner}/${a.repo}`.localeCompare(`${b.owner}/${b.repo}`));
  }

  async read(owner: string, repo: string): Promise<RepoCatalog | null> {
    return (await this.readStored(owner, repo)).catalog;
  }

  async bundle(owner: string, repo: string, name: string, commit: string): Promise<string | null> {
    return this.redis.hget(this.catalogKey(member(owner, repo)), bundleField(name, commit));
  }

  async readStored(owner: string, repo: string): Promise<StoredCatalog> {
    const [doc = null, version = null] = await this.redis.hmget(this.catalogKey(member(owner, repo)), "doc", "version");
    return { catalog: doc === null ? null : (JSON.parse(doc) as RepoCatalog), version: Number(version ?? 0) };
  }

  /** A ticket for an index pass, taken before it reads the branch: a later ticket saw the branch later. */
  async ticket(owner: string, repo: string): Promise<number> {
    return this.redis.hincrby(this.catalogKey(member(owner, repo)), "tickets", 1);
  }

  /**
   * Stores `catalog`, written by the pass with `ticket` on top of the `basedOn` version it read;
   * `bundles` holds the code of each chore whose runnable version is new (name → code), the
   * others keep theirs.
   */
  async write(catalog: RepoCatalog, pass: { ticket: number; basedOn: number; bundles: ReadonlyMap<string, string> }): Promise<CatalogWrite> {
    const runnable = catalog.chores.flatMap((entry) => (entry.runnable ? [bundleField(entry.name, entry.runnable.commit)] : []));
    const added = catalog.chores.flatMap((entry) => {
      const code = entry.runnable ? pass.bundles.get(entry.name) : undefined;
      return code === undefined ? [] : [bundleField(entry.name, entry.runnable!.commit), code];
    });
    const key = member(catalog.owner, catalog.repo);
    const args = [pass.ticket, pass.basedOn, JSON.stringify(catalog), key, runnable.length, ...runnable, ...added];
    return (await this.redis.eval(WRITE_SCRIPT, 2, this.catalogKey(key), this.reposKey, ...args)) as CatalogWrite;
  }

  /** The verdicts on these versions of files that are remembered (null where none is). */
  async verdicts(owner: string, repo: string, files: ReadonlyArray<{ path: string; blob: string }>): Promise<Array<FileVerdict | null>> {
    if (files.length === 0) return [];
    const stored = await this.redis.hmget(this.verdictsKey(member(owner, repo)), ...files.map(verdictField));
    return stored.map((json) => (json === null ? null : (JSON.parse(json) as FileVerdict)));
  }

  async saveVerdicts(owner: string, repo: string, verdicts: ReadonlyArray<{ path: string; blob: string; verdict: FileVerdict }>): Promise<void> {
    if (verdicts.length === 0) return;
    await this.redis.hset(this.verdictsKey(member(owner, repo)), Object.fromEntries(verdicts.map((v) => [verdictField(v), JSON.stringify(v.verdict)])));
  }

  /** Forgets the verdicts on every version of a file but `kept`: the repository's verdicts never outgrow its catalog. */
  async keepVerdicts(owner: string, repo: string, kept: ReadonlyArray<{ path: string; blob: string }>): Promise<void> {
    const key = this.verdictsKey(member(owner, repo));
    const keep = new Set(kept.map(verdictField));
    const stale = (await this.redis.hkeys(key)).filter((field) => !keep.has(field));
    if (stale.length > 0) await this.redis.hdel(key, ...stale);
  }

  /** Everything kept of a repository's chores (chorebot uninstalled from it, for instance). */
  async removeRepository(owner: string, repo: string): Promise<void> {
    const key = member(owner, repo);
    await this.redis.multi().del(this.catalogKey(key), this.verdictsKey(key)).srem(this.reposKey, key).exec();
  }

  private get reposKey(): string {
    return `${this.prefix}:chores:repos`;
  }

  private catalogKey(repository: string): string {
    return `${this.prefix}:chores:catalog:${repository}`;
  }

  private verdictsKey(repository: string): string {
    return `${this.prefix}:chores:verdicts:${repository}`;
  }
}

/** GitHub's owner and repository names are case-insensitive: one catalog whichever way a URL spells them. */
function member(owner: string, repo: string): string {
  return `${owner}/${repo}`.toLowerCase();
}

/** A commit id has a fixed length: the name after it may hold any character. */
function bundleField(name: string, commit: string): string {
  return `bundle:${commit}:${name}`;
}

function verdictField(file: { path: string; blob: string }): string {
  return `${file.blob}:${file.path}`;
}
