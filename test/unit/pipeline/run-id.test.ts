import { describe, expect, it } from "vitest";
import { cleanupJobId, discoverJobId, executeJobId, processJobId, runIdFor } from "../../../src/pipeline/run-id.js";

const target = { owner: "acme", repo: "widgets", commit: "0123456789abcdef0123456789abcdef01234567", path: "scripts/2026-11-fix plans.ts" };

describe("runIdFor", () => {
  it("is deterministic, readable and safe as a BullMQ id and in URLs", () => {
    const id = runIdFor(target);
    expect(id).toBe(runIdFor({ ...target }));
    expect(id).toMatch(/^widgets-0123456-2026-11-fix-plans-[0-9a-f]{10}$/);
    expect(id).not.toMatch(/[:/]/);
  });

  it("differs for another commit, path, repository or owner", () => {
    const ids = new Set([
      runIdFor(target),
      runIdFor({ ...target, commit: `${target.commit.slice(0, 39)}8` }),
      runIdFor({ ...target, path: "scripts/2026-11-fix/plans.ts" }),
      runIdFor({ ...target, repo: "gadgets" }),
      runIdFor({ ...target, owner: "other" }),
    ]);
    expect(ids.size).toBe(5);
  });
});

// Jobs queued by an earlier release are still in Redis: these ids must never change.
describe("job ids", () => {
  const run = "widgets-0123456-fix-0123456789";

  it("are the run id for process, execute and the merge's own cleanup", () => {
    expect([processJobId(run), executeJobId(run), cleanupJobId(run, 1)]).toEqual([run, run, run]);
  });

  it("give each retry its own cleanup job", () => {
    expect(cleanupJobId(run, 2)).toBe(`${run}-attempt-2`);
    expect(cleanupJobId(run, 11)).toBe(`${run}-attempt-11`);
  });

  it("name a push's discover job by repository and pushed commit", () => {
    expect(discoverJobId({ owner: "acme", repo: "widgets", after: target.commit })).toBe(`acme.widgets-${target.commit}`);
  });
});
