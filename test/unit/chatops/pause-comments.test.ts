import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runJobs } from "../pipeline/iteration-run-fixture.js";
import { commentCommandsHarness } from "./comment-commands-harness.js";

const PREFIX = "{pause-comments-test}";

describe("/chorebot pause", () => {
  let jobs: ReturnType<typeof runJobs>;
  const h = commentCommandsHarness(PREFIX, () => jobs.execute);
  const { owner, repo, say } = h;

  beforeAll(() => {
    jobs = runJobs({ host: "127.0.0.1", port: h.port }, PREFIX);
  });
  afterAll(async () => {
    await jobs?.close();
  });

  it("pauses a running iteration of this repository for a writer, recorded as the comment's; a second is told who asked", async () => {
    const runId = await jobs.add({ owner, repo, chore: "deploy" });
    const reply = await say(`/chorebot pause ${runId}`, "bob");
    expect(reply).toBe(`✅ Run \`${runId}\`, as @bob decided: pausing: it stops after its current batch, keeping its checkpoint; Resume goes on from there.\n`);
    expect(await h.parked.pauseRequest(runId)).toMatchObject({ kind: "pause", by: "bob", via: "comment" });
    expect(await say(`/chorebot pause ${runId}`, "alice")).toMatch(new RegExp(`^🚫 Run \`${runId}\`: a pause was already asked for by @\u200dbob at `));
    expect(await h.parked.decisions(runId)).toHaveLength(1);
  });

  it("refuses a reader, a stranger, a run of another repository, and a run that is not an iteration; asks nothing", async () => {
    const runId = await jobs.add({ owner, repo, chore: "deploy" });
    expect(await say(`/chorebot pause ${runId}`, "rita")).toContain("has read permission");
    expect(await say(`/chorebot pause ${runId}`, "mallory")).toContain("that you can see");
    const elsewhere = await jobs.add({ owner: "other", repo: "place", chore: "deploy" });
    expect(await say(`/chorebot pause ${elsewhere}`, "bob")).toBe(`🚫 There is no run ${elsewhere} here.\n`);
    const plain = await jobs.add({ owner, repo, chore: "deploy", kind: "plain" });
    expect(await say(`/chorebot pause ${plain}`, "bob")).toContain("only an iteration can be paused; this run is not one");
    for (const id of [runId, elsewhere, plain]) expect(await h.parked.pauseRequest(id)).toBeNull();
  });

  it("wants one run and no flags, and help lists pause", async () => {
    expect(await say("/chorebot pause", "bob")).toContain("\\`pause\\` takes one run");
    expect(await say("/chorebot pause a b", "bob")).toContain("\\`pause\\` takes one run");
    expect(await say("/chorebot pause --now", "bob")).toContain("\\`pause\\` takes no flags");
    expect(await say("/chorebot help", "bob")).toContain("/chorebot pause <run-id | run-name>");
  });
});
