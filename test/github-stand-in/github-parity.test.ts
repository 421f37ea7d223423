import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitHubStandIn, type GitHubStandIn } from "./index.js";
import { client, type Api } from "./test-client.js";

/**
 * Where chorebot's provenance checks depend on GitHub's behaviour, the stand-in does what
 * docs.github.com documents: response shapes, status codes, caps, pagination, merge methods.
 */

describe("GitHub stand-in parity: latency", () => {
  let gh: GitHubStandIn;
  let api: Api;
  const repoPath = () => `/repos/${gh.owner}/${gh.repo}`;

  beforeAll(async () => {
    gh = await startGitHubStandIn({ latencyMs: 120 });
    api = await client(gh);
  });
  afterAll(async () => {
    await gh.close();
  });

  it("delays every answer, REST and GraphQL, records arrival times, and holds no mutex while waiting", async () => {
    const started = Date.now();
    const answer = await api("GET", repoPath());
    expect(answer.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
    const recorded = gh.requests.at(-1)!;
    expect(recorded).toMatchObject({ method: "GET", path: repoPath(), status: 200 });
    expect(recorded.at).toBeGreaterThanOrEqual(started - 5);
    expect(recorded.ms).toBeGreaterThanOrEqual(115);

    gh.setLatency(300);
    const graphql = Date.now();
    const mutation = await fetch(`http://${gh.host}/api/graphql`, { method: "POST", body: JSON.stringify({ query: "{ viewer { login } }" }) });
    expect(mutation.status).toBe(401);
    expect(Date.now() - graphql).toBeGreaterThanOrEqual(295);

    // Writes take the repository mutex; their waits overlap, and a helper commit goes ahead meanwhile.
    const count = gh.requests.length;
    const writes = Promise.all(
      [1, 2, 3].map((i) => api("POST", `${repoPath()}/git/blobs`, { content: `blob ${i}` })),
    );
    await gh.commitFiles({ files: { "during-latency.txt": "1\n" } });
    const helperDone = Date.now();
    const results = await writes;
    expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
    const blobs = gh.requests.slice(count).filter((r) => r.path.endsWith("/git/blobs"));
    expect(blobs).toHaveLength(3);
    const firstEnd = Math.min(...blobs.map((r) => r.at + r.ms));
    expect(blobs.every((r) => r.at < firstEnd)).toBe(true);
    expect(helperDone).toBeLessThan(firstEnd);

    gh.setLatency(0);
    await api("GET", repoPath());
    expect(gh.requests.at(-1)!.ms).toBeLessThan(250);
  });
});

