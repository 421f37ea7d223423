import type { WorkflowReport } from "../run-types.js";

/**
 * The step a lost worker was running: the first declared step with no succeeded run in the
 * record (a step reports only once it ends, so the lost one has none). Null when every step ran.
 */
export function interruptedStep(report: Pick<WorkflowReport, "declared" | "entries"> | undefined): string | null {
  if (!report) return null;
  const ran = new Set(report.entries.filter((e) => e.direction === "run" && e.outcome === "succeeded").map((e) => e.step));
  return report.declared.find((step) => !ran.has(step.name))?.name ?? null;
}

/**
 * The ways a person decides on an interrupted run, each as a short phrase; `code` makes the
 * run id and commands safe where they go. The same on the log, the notices and the pages.
 */
export function decideWays(runId: string, code: (text: string) => string): string[] {
  return [
    "Resume or Roll back on the run's page",
    `${code(`chorebot resume ${runId}`)} or ${code(`chorebot rollback ${runId}`)}`,
    `${code(`POST /api/runs/${runId}/resume`)} or ${code(`POST /api/runs/${runId}/rollback`)}`,
    `a ${code(`/chorebot resume ${runId}`)} or ${code(`/chorebot rollback ${runId}`)} comment`,
  ];
}

/** What Resume and Roll back do, in a sentence each (`step` already made safe). */
export function resumeWords(step: string): string {
  return `Resume runs step ${step} again from its start, then the steps after it`;
}

export function rollbackWords(step: string): string {
  return `Roll back runs step ${step}'s rollback if it has one, then the completed steps' rollbacks in reverse order`;
}
