import { describe, expect, it } from "vitest";
import { cancelledMessage } from "../../../src/steps/cancelled-message.js";

describe("cancelledMessage", () => {
  it("says who cancelled, and whether the script had started", () => {
    expect(cancelledMessage("alice", { before: null })).toBe("cancelled by alice before it started");
    expect(cancelledMessage("alice", "running")).toBe("cancelled by alice");
  });

  it("says what ran before when a resumed run is cancelled before it goes on: never that it did not start", () => {
    expect(cancelledMessage("alice", { before: { items: 412 } })).toBe("cancelled by alice before it went on (412 items were processed before)");
    expect(cancelledMessage("alice", { before: { items: 1 } })).toBe("cancelled by alice before it went on (1 item was processed before)");
    expect(cancelledMessage("alice", { before: { items: 0 } })).toBe("cancelled by alice before it went on (nothing was checkpointed before)");
    expect(cancelledMessage("alice", { before: { step: "charge" } })).toBe("cancelled by alice before it went on from step charge");
    for (const before of [{ items: 0 }, { items: 412 }, { step: "charge" }]) expect(cancelledMessage("alice", { before })).not.toMatch(/before it started/);
  });
});
