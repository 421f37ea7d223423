import type { ChoreRunView } from "./chore-run-view.js";
import { etaWords, iterationProgressLine, rateWords } from "../runlog/iteration-words.js";
import { formatTime } from "./format-time.js";
import { stripTerminalEscapes } from "./strip-terminal-escapes.js";

/**
 * An iteration as the run page shows it, display-ready: the server renders it (iteration-panel)
 * and the live script puts the same strings in the same elements (as text, never HTML). The
 * cursor and logins are what a script or a person chose: stripped of terminal escapes here,
 * escaped where they go.
 */
export interface IterationShown {
  done: number;
  total: number | null;
  /** "412/1,000 items, batch 9 in flight, ETA 14 s". */
  line: string;
  rate: string | null;
  eta: string | null;
  checkpoint: string | null;
  inFlight: string | null;
  /** "Paused by ana since …", "Pause asked by ana at …: it stops after this batch". */
  pause: string | null;
}

export function iterationShown(run: Pick<ChoreRunView, "iteration" | "paused" | "pause_requested" | "status">): IterationShown | null {
  const it = run.iteration;
  if (!it) return null;
  const inFlight = it.in_flight;
  const paused = run.paused;
  const asked = run.pause_requested;
  return {
    done: it.done,
    total: it.total,
    line: iterationProgressLine({ done: it.done, total: it.total, inFlight, etaMs: it.eta_ms }),
    rate: it.rate === null ? null : rateWords(it.rate),
    eta: it.eta_ms === null || it.total === null || it.done >= it.total ? null : etaWords(it.eta_ms),
    checkpoint:
      it.checkpoint === null
        ? null
        : `batch ${it.checkpoint.seq}, after item ${it.checkpoint.done.toLocaleString("en-US")}, ${formatTime(it.checkpoint.at)}; cursor ${stripTerminalEscapes(it.checkpoint.cursor)}`,
    inFlight:
      inFlight === null || it.finished
        ? null
        : `batch ${inFlight.seq}: ${inFlight.items.toLocaleString("en-US")} of its items done (from item ${inFlight.from.toLocaleString("en-US")}); they may be processed again if the run is interrupted`,
    pause: paused
      ? `Paused${paused.by ? ` by ${stripTerminalEscapes(paused.by)}` : ""} since ${formatTime(paused.since)}`
      : asked && run.status === "running"
        ? `Pause asked by ${stripTerminalEscapes(asked.by)} at ${formatTime(asked.at)}: it stops after this batch`
        : null,
  };
}
