// The example scripts under scripts/, tested the way the README tells authors to test theirs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";
import { describeScript } from "../../../src/sdk/define-script.js";
import { runScript, runWorkflow } from "../../../src/testing/index.js";
import archivePlans from "../../../scripts/archive-plans.js";
import backfillDisplayNames from "../../../scripts/backfill-display-names.js";
import importDiscountCodes from "../../../scripts/import-discount-codes.js";
import { users } from "../../../scripts/_lib/users-table.js";
import movePlan from "../../../scripts/move-plan.js";
import purgeTrialAccounts from "../../../scripts/purge-trial-accounts.js";
import refundAfterReview from "../../../scripts/refund-after-review.js";
import resendWelcome from "../../../scripts/resend-welcome.js";

const PLAN_IDS = fileURLToPath(new URL("../../../scripts/_data/plan-ids.txt", import.meta.url));
const DISCOUNT_CODES = fileURLToPath(new URL("../../../scripts/_data/discount-codes.csv", import.meta.url));

describe("scripts/resend-welcome.ts", () => {
  test("a dry run counts what it would send", async () => {
    const run = await runScript(resendWelcome, { inputs: { limit: 3 } });
    expect(run).toMatchObject({ status: "succeeded", result: { users: 3, dryRun: true }, counters: { would_send: 3 }, progress: { done: 3, total: 3 } });
    expect(run.logs).toEqual(["3 users created since 2026-11-01"]);
  });

  test("refuses a date that is not ISO", async () => {
    await expect(runScript(resendWelcome, { inputs: { since: "yesterday" } })).rejects.toThrow(/since: must match/);
  });
});

describe("scripts/archive-plans.ts", () => {
  test("archives every plan the file lists", async () => {
    const run = await runScript(archivePlans, { inputs: { ids: PLAN_IDS, apiKey: "local-key", reason: "fraud" } });
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual({ archived: run.counters.archived, reason: "fraud" });
    expect(run.counters.archived).toBeGreaterThan(0);
    expect(run.logs[0]).toMatch(/^archiving \S+ \(fraud\)$/);
  });

  test("fails on a file that lists nothing, and refuses a file that is not there", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chorebot-example-"));
    try {
      const empty = join(dir, "ids.txt");
      writeFileSync(empty, "\n\n");
      const run = await runScript(archivePlans, { inputs: { ids: empty, apiKey: "k" } });
      expect(run).toMatchObject({ status: "failed", failReason: `${empty} lists no plan ids`, counters: {} });
      await expect(runScript(archivePlans, { inputs: { ids: join(dir, "missing.txt"), apiKey: "k" } })).rejects.toThrow(/ids: file not found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("scripts/move-plan.ts", () => {
  const inputs = { customer: "cus_42", plan: "team", seats: 5 };

  test("moves the customer in three steps", async () => {
    const run = await runWorkflow(movePlan, { inputs });
    expect(run.status).toBe("succeeded");
    expect(run.order).toEqual(["reserve seats", "charge", "switch plan"]);
    expect(run.result).toMatchObject({ plan: "team", seats: 5, reservation: "res_cus_42_5", chargeId: "ch_cus_42_6000", previousPlan: "starter" });
    expect(run.counters).toEqual({ charged: 1 });
  });

  test("a declined card rolls back the charge, then the seats", async () => {
    const run = await runWorkflow(movePlan, { inputs: { ...inputs, declineCard: true } });
    expect(run.status).toBe("rolled_back");
    expect(run.order).toEqual(["reserve seats", "charge", "rollback:charge", "rollback:reserve seats"]);
    expect(run.failReason).toBe("step charge failed: card declined for cus_42 (6000 cents); rolled back charge, reserve seats");
    expect(run.state).toMatchObject({ reservation: null, chargeId: null });
  });

  test("switching the plan failing undoes all three", async () => {
    const run = await runWorkflow(movePlan, { inputs, failStep: { step: "switch plan", error: "plan API down" } });
    expect(run.order).toEqual(["reserve seats", "charge", "switch plan", "rollback:switch plan", "rollback:charge", "rollback:reserve seats"]);
    expect(run.counters).toEqual({ charged: 1, refunded: 1 });
  });

  test("a refund that fails stops the walk: the seats stay reserved", async () => {
    const run = await runWorkflow(movePlan, { inputs, failStep: "switch plan" });
    expect(run.status).toBe("rolled_back");
    const stuck = await runWorkflow(movePlan, {
      inputs: { ...inputs, declineCard: true },
      failStep: { step: "charge", direction: "rollback", error: "refund API down" },
    });
    expect(stuck.status).toBe("rollback_failed");
    expect(stuck.order).toEqual(["reserve seats", "charge", "rollback:charge"]);
    expect(stuck.verdict.steps.map((step) => step.standing)).toEqual(["done", "rollback_failed", "not_run"]);
  });

  test("refuses a customer id of another shape", async () => {
    await expect(runWorkflow(movePlan, { inputs: { ...inputs, customer: "42" } })).rejects.toThrow(/customer: must match/);
  });
});

describe("scripts/refund-after-review.ts", () => {
  const inputs = { order: "ord_7", cents: 1500 };

  test("waits for finance after holding the order", async () => {
    const run = await runWorkflow(refundAfterReview, { inputs });
    expect(run.status).toBe("waiting");
    expect(run.waitingFor).toEqual({ step: "await finance", signal: "finance-ok", timeoutMs: 2 * 86_400_000 });
    expect(run.order).toEqual(["hold order", "await finance"]);
  });

  test("refunds what finance approved once the signal comes", async () => {
    const run = await runWorkflow(refundAfterReview, { inputs, signals: { "finance-ok": { approvedCents: 1000 } } });
    expect(run.status).toBe("succeeded");
    expect(run.result).toMatchObject({ approvedCents: 1000, refundId: "re_ord_7_1000" });
    expect(run.logs).toContain("finance approved 1000 of 1500 cents");
  });

  test("an approval over the amount asked fails the step, and the hold is released", async () => {
    const run = await runWorkflow(refundAfterReview, { inputs, signals: { "finance-ok": { approvedCents: 9999 } } });
    expect(run.status).toBe("rolled_back");
    expect(run.order).toEqual(["hold order", "await finance", "await finance", "rollback:hold order"]);
    expect(run.state).toMatchObject({ hold: null, refundId: null });
  });

  test("no answer within 2 days: the hold is released", async () => {
    const run = await runWorkflow(refundAfterReview, { inputs, timeoutWait: true });
    expect(run.status).toBe("rolled_back");
    expect(run.failReason).toBe("waiting for finance-ok timed out after 2d");
    expect(run.state).toMatchObject({ hold: null });
  });

  test("a worker lost during the refund: Resume refunds once more from where it started; Roll back releases the hold", async () => {
    const resumed = await runWorkflow(refundAfterReview, { inputs, signals: { "finance-ok": {} }, loseStep: "refund", decision: "resume" });
    expect(resumed).toMatchObject({ status: "succeeded", result: { approvedCents: 1500, refundId: "re_ord_7_1500" } });
    const rolledBack = await runWorkflow(refundAfterReview, { inputs, signals: { "finance-ok": {} }, loseStep: "refund", decision: "rollback" });
    expect(rolledBack.status).toBe("rolled_back");
    expect(rolledBack.order).toEqual(["hold order", "await finance", "await finance", "rollback:hold order"]);
  });
});

describe("scripts/purge-trial-accounts.ts", () => {
  test("asks one other person's approval for each run, for 3 days", () => {
    expect(describeScript(purgeTrialAccounts).approval).toEqual({ count: 1, timeoutMs: 3 * 86_400_000 });
  });

  test("deletes the expired trials", async () => {
    const run = await runScript(purgeTrialAccounts);
    expect(run).toMatchObject({ status: "succeeded", result: { deleted: 3 }, counters: { deleted: 3 } });
  });
});

describe("the examples' definitions", () => {
  test.each([
    ["resend-welcome.ts", resendWelcome],
    ["archive-plans.ts", archivePlans],
    ["move-plan.ts", movePlan],
    ["refund-after-review.ts", refundAfterReview],
    ["purge-trial-accounts.ts", purgeTrialAccounts],
    ["backfill-display-names.ts", backfillDisplayNames],
    ["import-discount-codes.ts", importDiscountCodes],
  ])("scripts/%s: what the check reads from the source is what the SDK describes", (file, script) => {
    const source = readFileSync(fileURLToPath(new URL(`../../../scripts/${file}`, import.meta.url)), "utf8");
    const reading = readScriptDefinition(source, file);
    expect(reading.problems).toEqual([]);
    expect(reading.definition).toEqual(describeScript(script));
  });
});

describe("scripts/backfill-display-names.ts", () => {
  test("fills in every user, a checkpoint every 100, counted", async () => {
    for (const user of users) user.displayName = null;
    const run = await runScript(backfillDisplayNames);
    expect(run).toMatchObject({ status: "succeeded", result: { processed: 1000 }, counters: { updated: 1000 }, progress: { done: 1000, total: 1000 } });
    expect(run.iteration?.checkpoints).toHaveLength(10);
    expect(run.iteration?.checkpoints.at(3)).toEqual({ seq: 4, done: 400, cursor: 400 });
    expect(users.every((user) => user.displayName === `${user.firstName} ${user.lastName}`)).toBe(true);
  });

  test("a worker lost at user 250: the run resumes after user 200, only users 201 to 249 are updated twice", async () => {
    const run = await runScript(backfillDisplayNames, { inputs: { format: "last, first" }, interruptAt: 250 });
    const ids = (run.iteration?.processed as { id: number }[]).map((user) => user.id);
    expect(run.status).toBe("succeeded");
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual(Array.from({ length: 49 }, (_, i) => 201 + i));
    expect(new Set(ids).size).toBe(1000);
    expect(users[0]?.displayName).toBe("Lovelace, Ada1");
  });
});

describe("scripts/import-discount-codes.ts", () => {
  test("creates a code per row, the header naming the columns, a quoted comma kept", async () => {
    const run = await runScript(importDiscountCodes, { inputs: { codes: DISCOUNT_CODES } });
    expect(run).toMatchObject({ status: "succeeded", result: { processed: 6 }, counters: { created: 6 }, progress: { done: 6, total: 6 } });
    expect(run.logs).toContain("creating SUMMER,20: 20% until 2027-08-31");
    expect(run.iteration?.checkpoints.map((c) => c.cursor)).toEqual([2, 4, 6]);
  });

  test("interrupted at row 4, it resumes from the checkpoint after row 2: row 3 is the only one created twice", async () => {
    const run = await runScript(importDiscountCodes, { inputs: { codes: DISCOUNT_CODES }, interruptAt: 4 });
    const codes = (run.iteration?.processed as { code: string }[]).map((row) => row.code);
    expect(codes).toEqual(["SPRING10", "SPRING15", "WELCOME5", "WELCOME5", "VIP25", "SUMMER,20", "FALL12"]);
  });

  test("a bad row fails the run at it, the checkpoint before kept", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chorebot-example-"));
    try {
      const codes = join(dir, "codes.csv");
      writeFileSync(codes, "code,percent,expires\nA,10,2027-01-01\nB,10,2027-01-01\nC,200,2027-01-01\n");
      const run = await runScript(importDiscountCodes, { inputs: { codes } });
      expect(run.status).toBe("failed");
      expect(run.failReason).toBe("code C: percent 200 is not from 1 to 90");
      expect(run.logs).toContain("item 3 threw: code C: percent 200 is not from 1 to 90; the checkpoint after item 2 is kept: Resume retries from item 3");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
