import { randomUUID } from "node:crypto";
import { Job, Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeJobId } from "../../../src/pipeline/run-id.js";
import type { ParkInit } from "../../../src/stores/parked-runs.js";
import { commentCommandsHarness } from "./comment-commands-harness.js";

const PREFIX = "{decide-comments-test}";

describe("/chorebot continue, approve, reject, resume and rollback", () => {
  let execute: Queue;
  const h = commentCommandsHarness(PREFIX, () => execute);
  const { owner, repo, say, comment } = h;

  async function parkRun(over: Partial<ParkInit> = {}): Promise<string> {
    const runId = `run-${randomUUID()}`;
    const target = { owner: over.owner ?? owner, repo: over.repo ?? repo, installationId: 99, chore: { name: "deploy" } };
    await execute.add("execute", { runId, target }, { jobId: executeJobId(runId), delay: 3_600_000 });
    await h.parked.park({
      runId,
      kind: "waiting",
      owner,
      repo,
      chore: "deploy",
      since: new Date().toISOString(),
      attempt: 1,
      signal: "approved",
      step: "ship",
      deadline: new Date(Date.now() + 3_600_000).toISOString(),
      pullRequest: null,
      requestedBy: "alice",
      approval: null,
      ...over,
    });
    return runId;
  }

  beforeAll(() => {
    execute = new Queue("execute", { connection: h.redis, prefix: PREFIX });
  });
  afterAll(async () => {
    await execute?.close();
  });

  it("continue delivers the signal the run waits for, with who, the comment and the values as its payload", async () => {
    const runId = await parkRun();
    const reply = await say(`/chorebot continue ${runId} ticket=OPS-1 note="all green"`, "bob");
    expect(reply).toMatch(new RegExp(`^✅ Run \`${runId}\`, as @bob decided: signal "approved" delivered: step ship goes on\\.`));
    const payload = (await h.parked.payload(runId)) as Record<string, unknown>;
    expect(payload).toEqual({ by: "bob", comment: expect.stringMatching(/^https:\/\/github\.com\//), values: { ticket: "OPS-1", note: "all green" } });
    expect(await h.parked.decisions(runId)).toMatchObject([{ kind: "signal", by: "bob", via: "comment", signal: "approved" }]);
    expect(await (await Job.fromId(execute, executeJobId(runId)))?.getState()).toBe("waiting");
  });

  it("approve: the requester is refused, another writer's approval starts the run, a second is told it was decided", async () => {
    const runId = await parkRun({ signal: "approval", step: null, approval: { count: 1 } });
    expect(await say(`/chorebot continue ${runId}`, "bob")).toContain("waits for approvals, not a signal: approve it with /chorebot approve");
    expect(await say(`/chorebot approve ${runId}`, "alice")).toContain("you asked for this run, so you cannot approve it");
    expect((await h.parked.read(runId))?.approval?.approvals).toEqual([]);
    expect(await say(`/chorebot approve ${runId}`, "bob")).toContain("approved (1 of 1): the run starts");
    expect(await say(`/chorebot reject ${runId}`, "alice")).toMatch(/^🚫 .*already decided: approve by bob/);
    expect((await h.parked.decisions(runId)).map((d) => `${d.kind}:${d.by}:${d.via}`)).toEqual(["approve:bob:comment"]);
  });

  it("refuses a read-only user, a run of another repository, a Resume of a waiting run, a signal for an interrupted one", async () => {
    const runId = await parkRun();
    expect(await say(`/chorebot continue ${runId}`, "rita")).toContain("has read permission");
    expect(await say(`/chorebot continue ${runId}`, "mallory")).toContain("that you can see");
    const elsewhere = await parkRun({ owner: "other", repo: "place" });
    expect(await say(`/chorebot approve ${elsewhere}`, "bob")).toBe(`🚫 There is no run ${elsewhere} here.\n`);
    expect(await say(`/chorebot resume ${runId}`, "bob")).toContain("this run was not interrupted");
    const interrupted = await parkRun({ kind: "interrupted", signal: null, deadline: null });
    expect(await say(`/chorebot continue ${interrupted}`, "bob")).toContain("interrupted at step ship; choose Resume or Roll back");
    expect(await say(`/chorebot rollback ${interrupted}`, "bob")).toContain("rolling back");
    for (const id of [runId, elsewhere]) expect(await h.parked.decisions(id)).toEqual([]);
  });

  it("a comment quoting a command, or holding it in code, does nothing", async () => {
    const runId = await parkRun();
    for (const body of [`> /chorebot continue ${runId}`, `\`/chorebot continue ${runId}\``, `\`\`\`\n/chorebot continue ${runId}\n\`\`\``]) {
      const payload = comment(body, "bob");
      await h.receive(payload);
    }
    expect(h.replies).toEqual([]);
    expect(await h.parked.decisions(runId)).toEqual([]);
  });

  it("help and a malformed command list the deciding commands", async () => {
    expect(await say("/chorebot help", "bob")).toMatch(
      /\/chorebot continue <run-id \| run-name> \[name=value …\][\s\S]*\/chorebot approve[\s\S]*\/chorebot rollback/,
    );
    expect(await say("/chorebot continue run-1 oops", "bob")).toContain('"oops" is not a value: give values as name=value');
  });
});
