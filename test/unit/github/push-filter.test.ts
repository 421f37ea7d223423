import { describe, expect, it } from "vitest";
import { decidePush } from "../../../src/github/push-filter.js";
import { examplePayload } from "../../helpers/webhook-examples.js";

const facts = (payload: any) => ({
  ref: payload.ref,
  before: payload.before,
  after: payload.after,
  deleted: payload.deleted,
  defaultBranch: payload.repository.default_branch,
});

describe("decidePush", () => {
  it("ignores tag pushes and tag deletions from real payloads", () => {
    const tag = examplePayload("push", (p) => p.ref.startsWith("refs/tags/") && !p.deleted);
    const deletion = examplePayload("push", (p) => p.ref.startsWith("refs/tags/") && p.deleted);
    expect(decidePush(facts(tag))).toMatchObject({ handle: false });
    expect(decidePush(facts(deletion))).toMatchObject({ handle: false });
  });

  it("ignores the creation of the default branch (nothing to compare against)", () => {
    const created = examplePayload("push", (p) => p.ref === "refs/heads/master" && p.created);
    expect(decidePush(facts(created))).toEqual({ handle: false, reason: expect.stringContaining("creation") });
  });

  it("handles a fast-forward of the default branch only, by exact ref", () => {
    const base = { before: "a".repeat(40), after: "b".repeat(40), deleted: false, defaultBranch: "main" };
    expect(decidePush({ ...base, ref: "refs/heads/main" })).toEqual({ handle: true });
    expect(decidePush({ ...base, ref: "refs/heads/main-backup" })).toMatchObject({ handle: false });
    expect(decidePush({ ...base, ref: "refs/heads/feature/main" })).toMatchObject({ handle: false });
    expect(decidePush({ ...base, ref: "refs/tags/main" })).toMatchObject({ handle: false });
    expect(decidePush({ ...base, ref: "refs/heads/main", deleted: true, after: "0".repeat(40) })).toMatchObject({
      handle: false,
    });
  });
});
