import { overLimit, type LimitHit, type WorkLimits } from "./work-limits.js";

export interface LimitStop {
  /** The check run's title, and the annotations' ("Type check stopped: over 60 s"). */
  title: string;
  /** The script's cell in the summary. */
  problem: string;
  message: string;
}

/** What the check says when the work on a pull request's code was stopped for a limit. */
export function limitStop(work: "Inspection" | "Type check", hit: LimitHit, limits: WorkLimits): LimitStop {
  const over = overLimit(hit, limits);
  const used = hit === "time" ? `took ${over}` : `used ${over} of memory`;
  const what = work === "Inspection" ? "Reading this script's definition and imports" : "The type check of this pull request's scripts";
  const rest = work === "Inspection" ? "it was not checked further" : "errors found before the stop are annotated, the rest was not type-checked";
  return {
    title: `${work} stopped: ${over}`,
    problem: `${work.toLowerCase()} stopped (${over})`,
    message:
      `${what} ${used} and was stopped, a limit of this chorebot server; ${rest}. ` +
      "Very large or deeply recursive types are the usual cause: simplify them, or ask the operator about the limit.",
  };
}
