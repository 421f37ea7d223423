import type { ParkedRun } from "../stores/parked-runs.js";

/**
 * What a parked run waits for, in words, the same in its live state (dashboard), the API and
 * the pages: "waits for 2 approvals (1 given) until …", "step charge waits for the signal
 * approved until …", "was interrupted at step charge: waits for a person's Resume or Roll back".
 */
export function parkedWords(parked: ParkedRun): string {
  if (parked.kind === "paused") return "is paused: waits for a person's Resume (it goes on from its checkpoint) or a cancel";
  // An iteration (no step): it has nothing to roll back.
  if (parked.kind === "interrupted" && parked.step === null) {
    const how = parked.failure ? `failed (${parked.failure})` : "was interrupted";
    return `${how}: waits for a person's Resume (it goes on from its last checkpoint)`;
  }
  if (parked.kind === "interrupted") {
    const at = parked.step === null ? "" : ` at step ${parked.step}`;
    return `was interrupted${at}: waits for a person's Resume or Roll back`;
  }
  const until = parked.deadline === null ? "" : ` until ${parked.deadline}`;
  const approval = parked.approval;
  if (approval) {
    const asked = parked.requestedBy === null ? "" : `; asked by ${parked.requestedBy}`;
    return `waits for ${approval.count} ${approval.count === 1 ? "approval" : "approvals"} (${approval.approvals.length} given${asked})${until}`;
  }
  const step = parked.step === null ? "it" : `step ${parked.step}`;
  return `${step} waits for the signal ${parked.signal ?? "?"}${until}`;
}
