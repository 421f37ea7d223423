import { describe, expect, it } from "vitest";
import { ParkedRuns, type ParkInit, type ParkedRun } from "../../../src/stores/parked-runs.js";
import type { Settled } from "../steps/step-fixtures.js";
import { iterationStepHarness, startIteration, within } from "./iteration-step-harness.js";

// A cancel that comes while the worker parks a paused iteration (its script has stopped, the
// record is being written) was taken (202, "cancelling"), then wiped by the attempt's own
// clean-up: the run stayed paused, and the person who cancelled it was never answered.
const h = iterationStepHarness();

/** Parked runs whose `park` is followed at once by a person's cancel, as if it came in that moment. */
class CancelledWhileParking extends ParkedRuns {
  override async park(init: ParkInit): Promise<ParkedRun> {
    const parked = await super.park(init);
    expect(await h.cancellations.request(init.runId, "erin")).toBe("running");
    return parked;
  }
}

describe("a cancel that comes while a paused iteration is being parked", () => {
  it("is not lost: the run ends cancelled at its next look", async () => {
    const parked = new CancelledWhileParking(h.q.redis, h.q.prefix);
    // Asked to pause while it is queued: it parks before it starts, and the cancel comes as it does.
    const run = await startIteration(h, {
      parked,
      recheckMs: 100,
      before: async (runId) => {
        expect(await parked.requestPause(runId, { kind: "pause", by: "fred", via: "api", at: new Date().toISOString() })).toMatchObject({ ok: true });
      },
    });

    const settled = await within(run.settled, 5_000);
    expect(settled).not.toBe("still waiting");
    expect((settled as Settled).state).toBe("completed");
    expect((await h.outcomes.load(run.runId, 1))?.execution).toMatchObject({ status: "cancelled" });
    expect(await parked.read(run.runId)).toBeNull();
  });
});
