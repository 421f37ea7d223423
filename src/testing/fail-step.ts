import type { StepDirection } from "../sdk/protocol.js";
import type { StepDefinition } from "../sdk/workflow-types.js";

/** Makes one step fail: its run (by default) or its rollback throws `error` instead of running. */
export type FailStep = string | { step: string; direction?: StepDirection; error?: string };

/** `steps` with the one `failStep` names replaced by one that throws; throws itself when there is no such step to fail. */
export function withFailingStep<S, V>(steps: readonly StepDefinition<S, V>[], failStep: FailStep | undefined): readonly StepDefinition<S, V>[] {
  if (failStep === undefined) return steps;
  const { step: name, direction = "run", error } = typeof failStep === "string" ? { step: failStep } : failStep;
  const target = steps.find((step) => step.name === name);
  if (target === undefined)
    throw new Error(`runWorkflow: failStep: no step named ${JSON.stringify(name)} (the steps are ${steps.map((step) => step.name).join(", ")})`);
  if (direction === "rollback" && typeof target.rollback !== "function") throw new Error(`runWorkflow: failStep: step ${name} has no rollback to fail`);
  const failing = (): never => {
    throw new Error(error ?? `${direction === "run" ? "step" : "rollback of"} ${name} failed (failStep)`);
  };
  return steps.map((step) => (step !== target ? step : direction === "run" ? { ...step, run: failing } : { ...step, rollback: failing }));
}
