import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { startHarness, type ClusterHarness } from "./harness.js";

let h: ClusterHarness;
beforeAll(async () => {
  h = await startHarness({ redis: "cluster" });
});
afterAll(async () => {
  await h?.close();
});

describe("on a Redis Cluster (REDIS_CLUSTER_NODES)", () => {
  it("runs a merged script once and commits its log", async () => {
    const path = "scripts/2026-11-cluster.ts";
    const merged = await h.mergeAndPush({
      [path]: [`import { appendFileSync } from "node:fs";`, `appendFileSync(process.env.SIDE_EFFECTS!, "cluster\\n");`, `console.log("hello from a cluster");`].join("\n"),
    });
    expect(merged.delivery.status).toBe(200);

    const result = await h.waitForRun(merged.runIds[path]!);
    expect(result.status).toBe("succeeded");
    expect(await h.timesRan("cluster")).toBe(1);

    const [head] = await h.gh.commits();
    expect(head).toMatchObject({ sha: result.commit, parents: [merged.after] });
    const text = await h.gh.readFile(h.gh.defaultBranch, result.logPath);
    expect(text, `${result.logPath} is on the default branch`).toBeDefined();
    const { frontMatter, body } = parseRunLog(text!);
    expect(frontMatter).toMatchObject({ script: path, commit: merged.after, status: "succeeded", exit_code: 0 });
    expect(body).toContain("hello from a cluster");
  });

  it("keeps every key under the {chorebot} hash tag, in one slot on one node", async () => {
    const client = new Cluster(h.cluster.nodes);
    try {
      await client.ping(); // connected: it knows the nodes and their slots
      const perNode = await Promise.all(client.nodes("master").map((node) => node.keys("*")));
      const keys = perNode.flat();
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.filter((key) => !key.startsWith("{chorebot}"))).toEqual([]);
      expect(perNode.filter((nodeKeys) => nodeKeys.length > 0)).toHaveLength(1);
      const slots = new Set(await Promise.all(keys.map((key) => client.cluster("KEYSLOT", key))));
      expect(slots.size).toBe(1);
    } finally {
      client.disconnect();
    }
  });
});
