import type { LiveLine, LiveState } from "./run-events.js";

/*
 * The browser side of the live pages, served as LIVE_SCRIPT: the function's own source, run
 * once with `window`. It must stay self-contained (no imports but types, nothing from this
 * module's scope) and is written against the few DOM members below, so the build, which has
 * no DOM types, checks it, and a test can run it on stand-ins.
 *
 * Progressive enhancement: the pages work without it (they reload themselves inside
 * <noscript>). Everything a script produced is put in with textContent, never as HTML.
 */

export interface LiveNode {
  textContent: string | null;
}
export interface LiveElement extends LiveNode {
  className: string;
  hidden: boolean;
  firstChild: LiveNode | null;
  childElementCount: number;
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
  appendChild(child: LiveNode): unknown;
  removeChild(child: LiveNode): unknown;
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  querySelector(selectors: string): LiveElement | null;
  querySelectorAll(selectors: string): ArrayLike<LiveElement>;
}
export interface LiveEventSource {
  readyState: number;
  onopen: (() => void) | null;
  onerror: (() => void) | null;
  addEventListener(type: string, listener: (event: { data: string }) => void): void;
  close(): void;
}
export interface LiveWindow {
  document: {
    getElementById(id: string): LiveElement | null;
    querySelector(selectors: string): LiveElement | null;
    createElement(tag: string): LiveElement;
    createTextNode(text: string): LiveNode;
  };
  EventSource: new (url: string) => LiveEventSource;
  location: { reload(): void };
}

export function liveClient(win: LiveWindow): void {
  /** The most output lines kept on the page: the oldest go first (the committed log has them all). */
  const MAX_LINES = 2000;
  const CLOSED = 2;
  const doc = win.document;

  function make(tag: string, className: string, text?: string): LiveElement {
    const el = doc.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }
  function clear(el: LiveElement): void {
    el.textContent = "";
  }
  function setText(id: string, text: string | null, otherwise: string | null = null): void {
    const el = doc.getElementById(id);
    if (!el) return;
    const shown = text ?? otherwise;
    el.hidden = shown === null;
    el.textContent = shown ?? "";
  }
  function badge(word: string): LiveElement {
    return make("span", `status status-${word}`, word);
  }

  /** Follows an event stream, saying in `note` whether it is live, reconnecting or stopped. */
  function follow(url: string, on: Record<string, (data: never) => void>, note: (text: string) => void): void {
    const source = new win.EventSource(url);
    for (const type of Object.keys(on)) {
      source.addEventListener(type, (event) => {
        let data: never;
        try {
          data = JSON.parse(event.data) as never;
        } catch {
          return;
        }
        on[type]!(data);
      });
    }
    source.addEventListener("end", () => source.close());
    source.onopen = () => note("Live: this page updates as the run goes.");
    source.onerror = () => note(source.readyState === CLOSED ? "Live updates stopped: reload the page to see the latest." : "Connection lost: reconnecting…");
  }

  function formatEta(ms: number): string {
    const minutes = Math.round(ms / 60_000);
    if (minutes < 1) return "less than a minute left";
    if (minutes < 90) return `about ${minutes} min left`;
    return `about ${Math.round(minutes / 60)} h left`;
  }

  // The run page.
  const run = doc.getElementById("run");
  const runEvents = run?.getAttribute("data-events");
  if (run && runEvents) {
    const state: Partial<LiveState> = {};
    let first: { done: number; at: number } | null = null;
    let dropped = 0;
    const note = (text: string) => setText("run-live", state.final ? "The run is over." : text);

    const showProgress = () => {
      const el = doc.getElementById("run-progress");
      if (!el) return;
      clear(el);
      const { done = null, total = null, progress = null } = state;
      if (done !== null && total !== null) {
        const bar = make("progress", "");
        bar.setAttribute("max", String(total));
        bar.setAttribute("value", String(Math.min(done, total)));
        el.appendChild(bar);
        const now = Date.now();
        if (first === null || done < first.done) first = { done, at: now };
        const rate = (done - first.done) / Math.max(1, now - first.at);
        const eta = !state.final && rate > 0 && done < total ? `, ${formatEta((total - done) / rate)}` : "";
        el.appendChild(doc.createTextNode(` ${done} of ${total} (${Math.round((100 * done) / total)}%)${eta}`));
      } else {
        el.textContent = progress === null ? "none reported" : String(progress);
      }
    };
    const showCounters = () => {
      const el = doc.getElementById("run-counters");
      if (!el) return;
      clear(el);
      if (!state.counters || state.counters.length === 0) return;
      el.appendChild(make("h2", "", "Counters"));
      const table = make("table", "counters");
      const body = make("tbody", "");
      for (const [name, value] of state.counters) {
        const row = make("tr", "");
        const head = make("th", "", name);
        head.setAttribute("scope", "row");
        row.appendChild(head);
        row.appendChild(make("td", "", value));
        body.appendChild(row);
      }
      table.appendChild(body);
      el.appendChild(table);
    };
    const showResult = () => {
      const el = doc.getElementById("run-result");
      if (!el) return;
      clear(el);
      if (state.result === null || state.result === undefined) return;
      el.appendChild(make("h2", "", "Result"));
      el.appendChild(make("pre", "result", state.result));
    };
    // A workflow's steps, as workflow-steps.tsx renders them.
    const showSteps = () => {
      const el = doc.getElementById("run-steps");
      if (!el) return;
      clear(el);
      const steps = state.steps ?? null;
      if (steps === null) return;
      el.appendChild(make("h2", "", "Steps"));
      if (steps.summary !== null) el.appendChild(make("p", "steps-summary", `${steps.summary.charAt(0).toUpperCase()}${steps.summary.slice(1)}.`));
      const list = make("ol", "steps");
      for (const step of steps.steps) {
        const item = make("li", `step standing-${step.standing}`);
        item.appendChild(make("code", "", step.name));
        item.appendChild(doc.createTextNode(": "));
        item.appendChild(make("span", "standing", step.failed ? `failed, ${step.words}` : step.words));
        if (!step.rollback) item.appendChild(doc.createTextNode(" (no rollback)"));
        list.appendChild(item);
      }
      el.appendChild(list);
      const table = make("table", "step-entries");
      const head = make("thead", "");
      const headRow = make("tr", "");
      for (const title of ["#", "Step", "Direction", "Outcome", "Took", "Error and state changes"]) {
        const th = make("th", "", title);
        th.setAttribute("scope", "col");
        headRow.appendChild(th);
      }
      head.appendChild(headRow);
      table.appendChild(head);
      const body = make("tbody", "");
      steps.entries.forEach((entry, i) => {
        const row = make("tr", `entry outcome-${entry.outcome.replace(" ", "_")}`);
        row.appendChild(make("td", "", String(i + 1)));
        const name = make("td", "");
        name.appendChild(make("code", "", entry.step));
        row.appendChild(name);
        row.appendChild(make("td", "", entry.direction));
        row.appendChild(make("td", "", entry.outcome));
        row.appendChild(make("td", "", entry.duration));
        const detail = make("td", "");
        if (entry.error !== null) detail.appendChild(make("p", "step-error", entry.error));
        if (entry.changes.length > 0) detail.appendChild(make("pre", "step-changes", entry.changes.join("\n")));
        row.appendChild(detail);
        body.appendChild(row);
      });
      table.appendChild(body);
      el.appendChild(table);
      if (steps.entries.length === 0) el.appendChild(make("p", "steps-none", "No step has ended yet."));
    };
    // An iteration's panel, as iteration-panel.tsx renders it: the same strings in the same elements.
    const showIteration = () => {
      const it = state.iteration ?? null;
      if (it === null) return;
      // The page was drawn before the run was known to be an iteration: drawn afresh, it has the panel.
      if (!doc.getElementById("run-iteration")) {
        win.location.reload();
        return;
      }
      const bar = doc.getElementById("iteration-bar");
      if (bar && it.total !== null) {
        bar.setAttribute("max", String(it.total));
        bar.setAttribute("value", String(Math.min(it.done, it.total)));
      }
      setText("iteration-line", it.line);
      setText("iteration-pause", it.pause);
      setText("iteration-rate", it.rate, "not running");
      setText("iteration-eta", it.eta, "unknown");
      setText("iteration-checkpoint", it.checkpoint, "none yet");
      setText("iteration-in-flight", it.inFlight, "none");
    };
    const showLog = () => {
      const el = doc.getElementById("run-log");
      if (!el) return;
      clear(el);
      const log = state.log ?? null;
      if (log === null) {
        el.textContent = state.final ? "no commit recorded for this run" : "committed to the repository once the run is over";
      } else if (log.url !== null && /^https?:\/\//i.test(log.url)) {
        const link = make("a", "", log.path);
        link.setAttribute("href", log.url);
        el.appendChild(link);
      } else {
        el.appendChild(make("code", "", log.path));
        el.appendChild(doc.createTextNode(" at commit "));
        el.appendChild(make("code", "", log.commit));
      }
    };

    follow(
      runEvents,
      {
        state: (changed: Partial<LiveState>) => {
          // A parked run moved on (or was parked): its buttons change, and the page is drawn afresh with them.
          const parked = doc.getElementById("run-parked");
          if (parked && "parked" in changed && (changed.parked ?? "") !== (parked.getAttribute("data-parked") ?? "")) {
            win.location.reload();
            return;
          }
          Object.assign(state, changed);
          if (changed.status !== undefined) {
            const holder = doc.getElementById("run-status");
            if (holder) {
              clear(holder);
              holder.appendChild(badge(changed.status));
            }
            setText("run-status-word", changed.status);
          }
          if (changed.final) {
            const cancel = doc.getElementById("run-cancel");
            if (cancel) cancel.hidden = true;
            setText("run-live", "The run is over.");
          }
          if ("detail" in changed) setText("run-detail", state.detail ?? null);
          if ("message" in changed) {
            setText("run-message", state.message ?? null);
            const message = doc.getElementById("run-message");
            if (message) message.className = state.final && state.status !== "succeeded" ? "problem" : "notice";
          }
          if ("started" in changed) setText("run-started", state.started ?? null, "not yet");
          if ("finished" in changed) setText("run-finished", state.finished ?? null, "not yet");
          if ("duration" in changed) setText("run-duration", state.duration ?? null, "not yet");
          if ("progress" in changed || "done" in changed || "total" in changed || "final" in changed) showProgress();
          if ("counters" in changed) showCounters();
          if ("result" in changed) showResult();
          if ("steps" in changed) showSteps();
          if ("iteration" in changed) showIteration();
          if ("log" in changed || "final" in changed) showLog();
        },
        output: (data: { replace: boolean; lines: LiveLine[] }) => {
          const pre = doc.getElementById("run-output");
          if (!pre) return;
          const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
          if (data.replace) {
            clear(pre);
            dropped = 0;
          }
          for (const line of data.lines) {
            const span = make("span", line.stream);
            span.appendChild(make("span", "t", line.at));
            const prefix = line.stream === "log" ? "log: " : line.stream === "stderr" ? "err: " : "";
            span.appendChild(doc.createTextNode(` ${prefix}${line.text}\n`));
            pre.appendChild(span);
          }
          while (pre.childElementCount > MAX_LINES && pre.firstChild) {
            pre.removeChild(pre.firstChild);
            dropped++;
          }
          setText("run-output-empty", pre.childElementCount === 0 ? "No output." : null);
          setText("run-output-note", dropped > 0 ? `The first ${dropped} lines are left out here; the committed log has the output as recorded.` : null);
          if (atBottom) pre.scrollTop = pre.scrollHeight;
        },
      },
      note,
    );
  }

  // A chore page's history: the rows of runs not over yet.
  const history = doc.querySelector("table.history[data-events]");
  const historyEvents = history?.getAttribute("data-events");
  if (history && historyEvents) {
    const rows = history.querySelectorAll("tr[data-run]");
    const rowOf = (id: string): LiveElement | null => {
      for (let i = 0; i < rows.length; i++) if (rows[i]!.getAttribute("data-run") === id) return rows[i]!;
      return null;
    };
    follow(
      historyEvents,
      {
        state: (changed: Partial<LiveState> & { id: string }) => {
          const row = rowOf(changed.id);
          if (!row) return;
          const cell = (name: string) => row.querySelector(`.${name}`);
          const status = cell("run-status");
          if (status && changed.status !== undefined) {
            clear(status);
            status.appendChild(badge(changed.status));
          }
          const started = cell("run-started");
          if (started && "started" in changed) started.textContent = changed.started ?? "not yet";
          const duration = cell("run-duration");
          if (duration && "duration" in changed) duration.textContent = changed.duration ?? "";
        },
      },
      (text) => setText("history-live", text.startsWith("Live") ? "Live: running runs update here." : text),
    );
  }
}

/** The script the pages load: liveClient run on `window`. */
export const LIVE_SCRIPT = `"use strict";\n(${liveClient.toString()})(window);\n`;
