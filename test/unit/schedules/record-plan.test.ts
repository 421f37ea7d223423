import { describe, expect, it } from "vitest";
import { recordPlan, streakEdge } from "../../../src/schedules/record-plan.js";

describe("recordPlan", () => {
  it("commits the first failure of a streak at once, with the day's digest so far", () => {
    expect(recordPlan({ status: "failed", wasFailing: false }, true)).toEqual({ kind: "commit", edge: "first-failure", withDigest: true });
    // A timeout, a lost or refused run starts a streak too.
    for (const status of ["timed_out", "lost", "refused", "cancelled"] as const) expect(streakEdge({ status, wasFailing: false })).toBe("first-failure");
  });

  it("commits the recovery (the first success after a streak) at once, on its own", () => {
    expect(recordPlan({ status: "succeeded", wasFailing: true }, true)).toEqual({ kind: "commit", edge: "recovery", withDigest: false });
  });

  it("sends successes and failures inside a streak to the digest", () => {
    expect(recordPlan({ status: "succeeded", wasFailing: false }, true)).toEqual({ kind: "digest", note: null });
    expect(recordPlan({ status: "failed", wasFailing: true }, true)).toEqual({ kind: "digest", note: "still failing" });
  });

  it("sends an edge to the digest with a note once the day's own logs are used up", () => {
    const plan = recordPlan({ status: "failed", wasFailing: false }, false);
    expect(plan.kind).toBe("digest");
    expect(plan.kind === "digest" && plan.note).toMatch(/first failure; not committed on its own: the schedule had 10 logs of its own today/);
    expect(recordPlan({ status: "succeeded", wasFailing: true }, false)).toMatchObject({ kind: "digest", note: expect.stringMatching(/^recovered;/) });
  });

  it("a flapping schedule (fail, succeed, fail…) gets at most the allowed logs: the plan follows the claim", () => {
    let wasFailing = false;
    let claimed = 0;
    let commits = 0;
    for (let i = 0; i < 1440; i++) {
      const status = i % 2 === 0 ? ("failed" as const) : ("succeeded" as const);
      const edge = streakEdge({ status, wasFailing });
      const allowed = edge !== null && claimed < 10 && ++claimed > 0;
      if (recordPlan({ status, wasFailing }, allowed).kind === "commit") commits++;
      wasFailing = status === "failed";
    }
    expect(commits).toBe(10);
  });
});
