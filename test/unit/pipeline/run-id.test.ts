import { describe, expect, it } from "vitest";
import { runIdFor } from "../../../src/pipeline/run-id.js";

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
