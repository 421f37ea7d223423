import type { StepReport } from "../sdk/protocol.js";

/** What a simulated lost worker throws out of the engine: the step's report is never recorded. */
export class LostWorker extends Error {
  constructor(readonly step: string) {
    super(`the worker was lost during step ${step} (loseStep)`);
    this.name = "LostWorker";
  }
}

export function isLostWorker(value: unknown): value is LostWorker {
  return value instanceof LostWorker;
}

/**
 * A report recorder that loses the worker during step `name`'s run (once): the step ran, but
 * its report never reaches anything that records it, and nothing runs after it, as when the
 * worker dies. Records every other report with `record`.
 */
export function losingRecorder(name: string | undefined, record: (report: StepReport) => void): (report: StepReport) => Promise<void> {
  let lost = false;
  return (report) => {
    if (!lost && report.step === name && report.direction === "run") {
      lost = true;
      return Promise.reject(new LostWorker(name));
    }
    record(report);
    return Promise.resolve();
  };
}
