import { describe, expect, it } from "vitest";
import { HOSTILE_NAMES } from "../runlog/workflow-fixtures.js";
import { parkedPageHarness } from "./parked-page-harness.js";

/**
 * A parked run's page and its buttons, on real Redis: the page shows what the parked record
 * says, its forms post the decision through decideRun, and the answer is the page again with
 * what was taken or why not. alice and carol write to acme/shop, bob only reads it.
 */

const h = parkedPageHarness("{parked-page-test}");

describe("a run waiting for approvals", () => {
  it("says how many, given by whom, who asked; another writer sees Approve and Reject", async () => {
    const runId = await h.parkRun({ approval: { count: 2 } });
    await h.parked.decide(runId, { kind: "approve", by: "dave", via: "api", at: "2026-12-06T10:01:00.000Z" });
    const { html } = await h.page(runId, "carol");
    expect(html).toContain("Waiting for 2 approvals (1 given by dave); asked by alice");
    expect(html).toContain('id="decide-approve"');
    expect(html).toContain('id="decide-reject"');
    expect(html).toContain('<input type="hidden" name="csrf" value="token-of-carol"/>');
  });

  it("shows the requester no Approve, and says why; her posted approval is refused 403 with the reason and changes nothing", async () => {
    const runId = await h.parkRun({});
    const { html } = await h.page(runId, "alice");
    expect(html).not.toContain('id="decide-approve"');
    expect(html).toContain("You asked for this run, so you cannot approve it");
    const refused = await h.decide(runId, "alice", { decision: "approve" });
    expect(refused.res.status).toBe(403);
    expect(refused.html).toContain("Refused: you asked for this run, so you cannot approve it");
    expect((await h.parked.read(runId))?.approval?.approvals).toEqual([]);
  });

  it("takes another writer's approval: the run moves on, who and how recorded", async () => {
    const runId = await h.parkRun({});
    const taken = await h.decide(runId, "carol", { decision: "approve" });
    expect(taken.res.status).toBe(200);
    expect(taken.html).toContain("Done: approved (1 of 1): the run starts.");
    const record = await h.parked.read(runId);
    expect(record?.decision).toMatchObject({ kind: "approve", by: "carol", via: "page" });
    // The second one is refused: someone decided first.
    const again = await h.decide(runId, "alice", { decision: "reject" });
    expect(again.res.status).toBe(409);
    expect(again.html).toContain("Refused: already decided: approve by carol");
  });

  it("shows a reader no buttons and refuses their post; refuses a post without the token or from another site", async () => {
    const runId = await h.parkRun({});
    const { html } = await h.page(runId, "bob");
    expect(html).not.toContain('id="decide-reject"');
    expect(html).toContain("Approving or rejecting this run needs write permission");
    expect((await h.decide(runId, "bob", { decision: "reject" })).res.status).toBe(403);
    expect((await h.decide(runId, "carol", { decision: "reject", csrf: "stolen" })).res.status).toBe(403);
    expect((await h.decide(runId, "carol", { decision: "reject" }, { Origin: "https://evil.example" })).res.status).toBe(403);
    expect((await h.decide(runId, "carol", { decision: "explode" })).res.status).toBe(400);
    expect(await h.parked.decisions(runId)).toEqual([]);
  });
});

describe("a step waiting for a signal", () => {
  it("names the step, the signal and its deadline; Continue delivers the JSON payload", async () => {
    const runId = await h.parkRun({ signal: "payment-done", step: "charge", approval: null });
    const { html } = await h.page(runId, "carol");
    expect(html).toContain("Step charge waits for signal payment-done");
    expect(html).toContain(`POST /api/runs/${runId}/signals/payment-done`);
    const bad = await h.decide(runId, "carol", { decision: "signal", payload: "{not json" });
    expect(bad.res.status).toBe(400);
    const taken = await h.decide(runId, "carol", { decision: "signal", payload: '{"paid": 12}' });
    expect(taken.html).toContain("Done: signal &quot;payment-done&quot; delivered: step charge goes on.");
    expect(await h.parked.payload(runId)).toEqual({ paid: 12 });
  });

  it("refuses a payload over the limit with 413, delivering nothing", async () => {
    const runId = await h.parkRun({ signal: "payment-done", step: "charge", approval: null });
    const big = await h.decide(runId, "carol", { decision: "signal", payload: JSON.stringify("x".repeat(70 * 1024)) });
    expect(big.res.status).toBe(413);
    expect(big.html).toContain("a signal's payload may be at most");
    expect(await h.parked.decisions(runId)).toEqual([]);
  });
});

describe("an interrupted run", () => {
  it("says which step, what Resume and Roll back do; Resume is taken once, a second decision refused", async () => {
    const runId = await h.parkRun({ kind: "interrupted", signal: null, step: "charge", deadline: null, approval: null });
    const { html } = await h.page(runId, "carol");
    expect(html).toContain("Step charge was interrupted");
    expect(html).toContain("Resume runs step charge again from its start, then the steps after it.");
    expect(html).toContain("Roll back runs step charge's rollback if it has one");
    expect(html).not.toContain('id="run-cancel"');
    const [one, two] = await Promise.all([h.decide(runId, "carol", { decision: "resume" }), h.decide(runId, "alice", { decision: "rollback" })]);
    expect([one.res.status, two.res.status].sort()).toEqual([200, 409]);
    expect(await h.parked.decisions(runId)).toHaveLength(1);
  });
});

describe("hostile names", () => {
  it("are text on the page: a signal, a step and a login", async () => {
    for (const name of HOSTILE_NAMES) {
      const runId = await h.parkRun({ signal: name, step: name, approval: null });
      await h.parked.decide(runId, { kind: "signal", signal: "other", by: name, via: "api", at: "2026-12-06T10:00:00.000Z" });
      const approvals = await h.parkRun({ requestedBy: name, approval: { count: 2 } });
      await h.parked.decide(approvals, { kind: "approve", by: `x${name}`, via: "api", at: "2026-12-06T10:00:00.000Z" });
      const signalPage = (await h.page(runId, "carol")).html;
      const approvalPage = (await h.page(approvals, "carol")).html;
      for (const html of [signalPage, approvalPage]) expect(html).not.toContain("<img");
      // Shown, escaped, where the panel's words put them.
      if (name.startsWith("<img")) {
        expect(signalPage).toContain("Step &lt;img src=x onerror=alert(1)> waits for signal &lt;img");
        expect(approvalPage).toContain("(1 given by x&lt;img src=x onerror=alert(1)>); asked by &lt;img");
      }
    }
  });
});
