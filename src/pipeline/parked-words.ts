import type { ParkedRun } from "../stores/parked-runs.js";

/**
 * What a parked run waits for, in words, the same in its live state (dashboard), the API and
 * the pages: "waits for 2 approvals (1 given) until …", "step charge waits for the signal
 * approved until …", "was interrupted at step charge: waits for a person's Resume or Roll back".
 */
export function parkedWords(parked: ParkedRun): string {
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
