import type { JobState } from "bullmq";
import { describe, expect, it } from "vitest";
import { runPhase } from "../../../src/pipeline/run-phase.js";

describe("runPhase", () => {
  it("maps the execute job's state, and once it is done its cleanup's", () => {
    const cases: [JobState | "unknown", JobState | "unknown", string][] = [
      ["unknown", "unknown", "queued"],
      ["waiting-children", "waiting-children", "queued"],
      ["waiting", "waiting-children", "waiting"],
      ["delayed", "waiting-children", "waiting"],
      ["prioritized", "unknown", "waiting"],
      ["active", "waiting-children", "running"],
      ["completed", "waiting", "recording"],
      ["completed", "active", "recording"],
      ["completed", "failed", "recording"],
      ["failed", "unknown", "recording"],
      ["completed", "completed", "finished"],
      ["failed", "completed", "finished"],
    ];
    for (const [execute, cleanup, phase] of cases) expect({ execute, cleanup, phase: runPhase(execute, cleanup) }).toEqual({ execute, cleanup, phase });
  });
});
