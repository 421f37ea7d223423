import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CatalogEntry, RepoCatalog } from "../../../src/catalog-types.js";
import type { FileVerdict } from "../../../src/github/judge-file-change.js";
import { defaultRepoConfig } from "../../../src/github/repo-config.js";
import { ChoreCatalog } from "../../../src/stores/chore-catalog.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { LIMITS } from "../steps/step-fixtures.js";

const PREFIX = "{catalog-test}";
const sha = (c: string) => c.repeat(40);

function entry(name: string, commit: string | null): CatalogEntry {
  const path = `chores/${name}.ts`;
  return {
    name,
    path,
    runnable:
      commit === null
        ? null
        : {
            name,
            path,
            commit,
            committedAt: "2026-12-01T00:00:00Z",
            blob: sha("b"),
            description: null,
            provenance: { pullRequest: null, approvedBy: ["bob"], refusal: null },
            files: [path],
            minApprovals: 1,
          },
    problem: null,
    seen: { commit: commit ?? sha("0"), files: { [path]: sha("b") } },
  };
}

function repoCatalog(head: string, chores: CatalogEntry[], repo = "widgets"): RepoCatalog {
  return {
    owner: "Acme",
    repo,
    installationId: 1,
    defaultBranch: "main",
    head,
    indexedAt: "2026-12-01T00:00:00Z",
    config: defaultRepoConfig(LIMITS),
    chores,
  };
}

const verdict: FileVerdict = { kind: "refused", commit: sha("c"), reason: "a direct push", lasting: true };

describe("ChoreCatalog", () => {
  let server: TestRedis;
  let redis: Redis;
  let catalog: ChoreCatalog;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  beforeEach(async () => {
    await redis.flushall();
    catalog = new ChoreCatalog(redis, PREFIX);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it("stores a repository's document and one bundle per runnable chore, under the prefix, whatever case its name is asked in", async () => {
    const ticket = await catalog.ticket("Acme", "Widgets");
    const written = await catalog.write(repoCatalog(sha("1"), [entry("a", sha("1")), entry("broken", null)]), {
      ticket,
      basedOn: 0,
      bundles: new Map([
        ["a", "code of a"],
        ["broken", "never stored"],
      ]),
    });
    expect(written).toBe("written");
    expect(await catalog.read("acme", "WIDGETS")).toMatchObject({ owner: "Acme", head: sha("1") });
    expect(await catalog.bundle("acme", "widgets", "a", sha("1"))).toBe("code of a");
    expect(await catalog.bundle("acme", "widgets", "a", sha("2"))).toBeNull();
    expect(await catalog.bundle("acme", "widgets", "broken", sha("1"))).toBeNull();
    expect(await catalog.repositories()).toEqual([{ owner: "Acme", repo: "widgets" }]);
    expect(await catalog.readStored("acme", "widgets")).toMatchObject({ version: ticket });
    expect((await redis.keys("*")).every((key) => key.startsWith(`${PREFIX}:chores:`))).toBe(true);
  });

  it("keeps the bundles of versions that stay runnable, drops the others, and refuses a pass that read the branch before the one that wrote", async () => {
    const first = await catalog.ticket("acme", "widgets");
    await catalog.write(repoCatalog(sha("1"), [entry("a", sha("1")), entry("b", sha("1"))]), {
      ticket: first,
      basedOn: 0,
      bundles: new Map([
        ["a", "a@1"],
        ["b", "b@1"],
      ]),
    });
    const older = await catalog.ticket("acme", "widgets");
    const newer = await catalog.ticket("acme", "widgets");
    // The newer pass: a stays as it was, b has a new version.
    const kept = await catalog.write(repoCatalog(sha("3"), [entry("a", sha("1")), entry("b", sha("3"))]), {
      ticket: newer,
      basedOn: first,
      bundles: new Map([["b", "b@3"]]),
    });
    expect(kept).toBe("written");
    expect(await catalog.bundle("acme", "widgets", "a", sha("1"))).toBe("a@1");
    expect(await catalog.bundle("acme", "widgets", "b", sha("1"))).toBeNull();
    expect(await catalog.bundle("acme", "widgets", "b", sha("3"))).toBe("b@3");
    // The older pass finishes last: it read the branch before the newer one did.
    const stale = await catalog.write(repoCatalog(sha("2"), [entry("a", sha("2"))]), { ticket: older, basedOn: first, bundles: new Map([["a", "a@2"]]) });
    expect(stale).toBe("stale");
    expect(await catalog.read("acme", "widgets")).toMatchObject({ head: sha("3") });
    expect(await catalog.bundle("acme", "widgets", "a", sha("2"))).toBeNull();
    // A pass that built on a catalog replaced since builds again.
    const latest = await catalog.ticket("acme", "widgets");
    expect(await catalog.write(repoCatalog(sha("4"), []), { ticket: latest, basedOn: first, bundles: new Map() })).toBe("moved");
    expect(await catalog.write(repoCatalog(sha("4"), []), { ticket: latest, basedOn: newer, bundles: new Map() })).toBe("written");
    expect(await catalog.bundle("acme", "widgets", "a", sha("1"))).toBeNull();
  });

  it("remembers verdicts per file version, forgets all but the versions kept, and removes a repository whole", async () => {
    await catalog.saveVerdicts("Acme", "widgets", [
      { path: "chores/a.ts", blob: sha("1"), verdict },
      { path: "chores/a.ts", blob: sha("2"), verdict },
      { path: "chores/_lib/x.ts", blob: sha("1"), verdict },
    ]);
    const asked = [
      { path: "chores/a.ts", blob: sha("2") },
      { path: "chores/a.ts", blob: sha("3") },
    ];
    expect(await catalog.verdicts("acme", "widgets", asked)).toEqual([verdict, null]);
    await catalog.keepVerdicts("acme", "widgets", [{ path: "chores/a.ts", blob: sha("2") }]);
    expect(await redis.hlen(`${PREFIX}:chores:verdicts:acme/widgets`)).toBe(1);

    const ticket = await catalog.ticket("acme", "widgets");
    await catalog.write(repoCatalog(sha("1"), [entry("a", sha("1"))]), { ticket, basedOn: 0, bundles: new Map([["a", "code"]]) });
    await catalog.write(repoCatalog(sha("1"), [], "other"), { ticket: await catalog.ticket("acme", "other"), basedOn: 0, bundles: new Map() });
    await catalog.removeRepository("ACME", "Widgets");
    expect(await catalog.read("acme", "widgets")).toBeNull();
    expect(await catalog.bundle("acme", "widgets", "a", sha("1"))).toBeNull();
    expect(await catalog.repositories()).toEqual([{ owner: "Acme", repo: "other" }]);
    expect((await redis.keys("*")).sort()).toEqual([`${PREFIX}:chores:catalog:acme/other`, `${PREFIX}:chores:repos`]);
  });
});
