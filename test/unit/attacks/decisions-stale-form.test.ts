import { describe, expect, it } from "vitest";
import { parkedPageHarness } from "../chores/parked-page-harness.js";

/**
 * A Continue form is what its person saw: "step charge waits for signal payment-done". Posted
 * after the run went on and now waits for another signal at a later step (a tab left open, a
 * reload that resubmits the form, whose answer is a page, not a redirect), it must not deliver
 * that other signal, which its person never saw. carol writes to acme/shop.
 */

const h = parkedPageHarness("{decisions-stale-form}");

/** The form fields the page's Continue form posts, as a browser would send them. */
function continueForm(html: string): Record<string, string> {
  const form = /<form method="post" action="[^"]*" class="decide">([\s\S]*?)<\/form>/.exec(html)?.[1] ?? "";
  const fields: Record<string, string> = {};
  for (const [, name, value] of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[name!] = value!;
  return fields;
}

describe("attack: a Continue form posted after the run waits for another signal", () => {
  it("delivers nothing to the wait its person never saw, and still continues the wait it showed", async () => {
    const runId = await h.parkRun({ signal: "payment-done", step: "charge", approval: null });
    const form = continueForm((await h.page(runId, "carol")).html);
    expect(form.decision).toBe("signal");

    // The run went on (someone else continued it) and a later step now waits for another signal.
    await h.parked.clear(runId);
    await h.parked.park({
      runId,
      kind: "waiting",
      owner: "acme",
      repo: "shop",
      chore: "unlock-account",
      since: "2026-12-06T11:00:00.000Z",
      attempt: 1,
      signal: "wipe-accounts",
      step: "wipe",
      deadline: "2026-12-08T11:00:00.000Z",
      pullRequest: null,
      requestedBy: "alice",
      approval: null,
    });
    const stale = await h.decide(runId, "carol", { ...form, payload: '{"paid": 12}' });
    expect(stale.res.status).toBe(409);
    expect((await h.parked.read(runId))?.decision).toBeNull();
    expect(await h.parked.decisions(runId)).toEqual([]);

    // The form of the wait as it is now continues it.
    const fresh = continueForm((await h.page(runId, "carol")).html);
    const taken = await h.decide(runId, "carol", { ...fresh, payload: '{"ok": true}' });
    expect(taken.res.status).toBe(200);
    expect((await h.parked.read(runId))?.decision).toMatchObject({ kind: "signal", signal: "wipe-accounts", by: "carol", via: "page" });
  });
});

/** The fields of the page's form whose button is `decision`, as a browser would post them. */
function buttonForm(html: string, decision: string): Record<string, string> {
  const forms = [...html.matchAll(/<form method="post" action="[^"]*" class="decide-one">([\s\S]*?)<\/form>/g)].map((m) => m[1]!);
  const form = forms.find((f) => f.includes(`id="decide-${decision}"`)) ?? "";
  const fields: Record<string, string> = {};
  for (const [, name, value] of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[name!] = value!;
  return fields;
}

async function interrupt(runId: string, step: string, attempt: number, since: string): Promise<void> {
  await h.parked.park({
    runId,
    kind: "interrupted",
    owner: "acme",
    repo: "shop",
    chore: "unlock-account",
    since,
    attempt,
    signal: null,
    step,
    deadline: null,
    pullRequest: null,
    requestedBy: "alice",
    approval: null,
  });
}

describe("attack: a Resume or Roll back form posted after the run was interrupted again", () => {
  it.each(["resume", "rollback"])("%s decides nothing on an interruption its person never saw, and still decides the one it showed", async (decision) => {
    const runId = await h.parkRun({ kind: "interrupted", signal: null, step: "charge", deadline: null, approval: null });
    const form = buttonForm((await h.page(runId, "carol")).html, decision);
    expect(form.decision).toBe(decision);

    // Someone resumed it; its worker was lost again, at a later step.
    expect((await h.decide(runId, "alice", { decision: "resume" })).res.status).toBe(200);
    await h.parked.clear(runId);
    await interrupt(runId, "ship", 2, "2026-12-06T12:00:00.000Z");
    const stale = await h.decide(runId, "carol", form);
    expect(stale.res.status).toBe(409);
    expect((await h.parked.read(runId))?.decision).toBeNull();
    expect(await h.parked.decisions(runId)).toHaveLength(1);

    const fresh = buttonForm((await h.page(runId, "carol")).html, decision);
    expect((await h.decide(runId, "carol", fresh)).res.status).toBe(200);
    expect((await h.parked.read(runId))?.decision).toMatchObject({ kind: decision, by: "carol", via: "page" });
  });
});
