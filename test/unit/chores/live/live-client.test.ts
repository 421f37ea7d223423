import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { h } from "preact";
import { render } from "preact-render-to-string";
import { workflowView } from "../../../../src/api/workflow-view.js";
import { liveClient, LIVE_SCRIPT, type LiveElement, type LiveEventSource, type LiveNode, type LiveWindow } from "../../../../src/chores/live/live-client.js";
import { liveSteps } from "../../../../src/chores/live/live-steps.js";
import { WorkflowSteps } from "../../../../src/chores/workflow-steps.js";
import { entry, rolledBackWorkflow } from "../../runlog/workflow-fixtures.js";

/**
 * Just enough of a DOM to run the client on: elements with children, attributes and
 * textContent, and text nodes. There is no innerHTML at all, so nothing can be parsed as HTML.
 */
class Text implements LiveNode {
  constructor(public textContent: string | null) {}
}
class Element implements LiveElement {
  className = "";
  hidden = false;
  scrollTop = 0;
  scrollHeight = 0;
  clientHeight = 0;
  children: (Element | Text)[] = [];
  attributes = new Map<string, string>();
  constructor(public tag: string) {}
  get textContent(): string {
    return this.children.map((child) => child.textContent).join("");
  }
  set textContent(text: string | null) {
    this.children = text ? [new Text(text)] : [];
  }
  get firstChild(): LiveNode | null {
    return this.children[0] ?? null;
  }
  get childElementCount(): number {
    return this.children.filter((child) => child instanceof Element).length;
  }
  appendChild(child: LiveNode): unknown {
    this.children.push(child);
    return child;
  }
  removeChild(child: LiveNode): unknown {
    this.children = this.children.filter((c) => c !== child);
    return child;
  }
  setAttribute(name: string, value: string): void {
    this.attributes.set(name, value);
  }
  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }
  /** Selectors of the forms `tag.class[attr]`, `tag[attr]`, `.class`. */
  querySelector(selectors: string): Element | null {
    return this.querySelectorAll(selectors)[0] ?? null;
  }
  querySelectorAll(selectors: string): Element[] {
    const [, tag, cls, attr] = /^(\w*)(?:\.([\w-]+))?(?:\[([\w-]+)\])?$/.exec(selectors)!;
    const found: Element[] = [];
    const visit = (el: Element) => {
      for (const child of el.children) {
        if (!(child instanceof Element)) continue;
        if ((!tag || child.tag === tag) && (!cls || child.className.split(" ").includes(cls)) && (!attr || child.attributes.has(attr))) found.push(child);
        visit(child);
      }
    };
    visit(this);
    return found;
  }
}

class FakeSource implements LiveEventSource {
  static last: FakeSource;
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  listeners = new Map<string, ((event: { data: string }) => void)[]>();
  constructor(public url: string) {
    FakeSource.last = this;
  }
  addEventListener(type: string, listener: (event: { data: string }) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  emit(type: string, data: unknown): void {
    for (const listener of this.listeners.get(type) ?? []) listener({ data: JSON.stringify(data) });
  }
}

function page(build: (el: (tag: string, o?: { id?: string; cls?: string; attrs?: Record<string, string> }, parent?: Element) => Element) => void) {
  const body = new Element("body");
  const ids = new Map<string, Element>();
  build((tag, o = {}, parent = body) => {
    const el = new Element(tag);
    if (o.cls) el.className = o.cls;
    for (const [name, value] of Object.entries(o.attrs ?? {})) el.setAttribute(name, value);
    if (o.id) ids.set(o.id, el);
    parent.appendChild(el);
    return el;
  });
  const win: LiveWindow = {
    document: {
      getElementById: (id) => ids.get(id) ?? null,
      querySelector: (selectors) => body.querySelector(selectors),
      createElement: (tag) => new Element(tag),
      createTextNode: (text) => new Text(text),
    },
    EventSource: FakeSource,
    location: { reload: () => reloads.push(Date.now()) },
  };
  const reloads: number[] = [];
  liveClient(win);
  return { ids: (id: string) => ids.get(id)!, body, reloads };
}

function runPage() {
  return page((el) => {
    const run = el("div", { id: "run", attrs: { "data-events": "/chores/runs/r-1/events?after=1-l-5-1" } });
    for (const id of ["run-status", "run-detail", "run-live", "run-message", "run-cancel", "run-status-word", "run-started", "run-finished"])
      el("p", { id }, run);
    for (const id of ["run-duration", "run-progress", "run-log", "run-counters", "run-steps", "run-result", "run-output-empty", "run-output-note"])
      el("div", { id }, run);
    el("pre", { id: "run-output", cls: "output" }, run);
  });
}

/** What an element shows, as markup with its classes: enough to see what was built, and that text stayed text. */
function shape(node: Element | Text): string {
  if (node instanceof Text) return node.textContent ?? "";
  const attrs = [...node.attributes].map(([name, value]) => ` ${name}=${value}`).join("");
  return `<${node.tag}${node.className ? `.${node.className.replace(/ /g, ".")}` : ""}${attrs}>${node.children.map(shape).join("")}</${node.tag}>`;
}

describe("the live client", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["Date"] }));
  afterEach(() => vi.useRealTimers());

  it("follows the page's stream and says when it is live, reconnecting or stopped", () => {
    const { ids } = runPage();
    const source = FakeSource.last;
    expect(source.url).toBe("/chores/runs/r-1/events?after=1-l-5-1");
    source.onopen!();
    expect(ids("run-live").textContent).toBe("Live: this page updates as the run goes.");
    expect(ids("run-live").hidden).toBe(false);
    source.onerror!();
    expect(ids("run-live").textContent).toBe("Connection lost: reconnecting…");
    source.readyState = 2;
    source.onerror!();
    expect(ids("run-live").textContent).toBe("Live updates stopped: reload the page to see the latest.");
  });

  it("puts the output in as text, keeps the last 2000 lines, and starts afresh on replace", () => {
    const { ids } = runPage();
    const source = FakeSource.last;
    source.emit("output", { replace: false, lines: [{ at: "+0.001s", stream: "stderr", text: '<img src=x onerror="alert(1)">' }] });
    const pre = ids("run-output");
    expect(shape(pre)).toBe('<pre.output><span.stderr><span.t>+0.001s</span> err: <img src=x onerror="alert(1)">\n</span></pre>');
    expect(ids("run-output-empty").hidden).toBe(true);
    const flood = Array.from({ length: 2100 }, (_, i) => ({ at: "+1.000s", stream: "stdout", text: `line ${i}` }));
    source.emit("output", { replace: false, lines: flood });
    expect(pre.childElementCount).toBe(2000);
    expect(pre.children[0]!.textContent).toBe("+1.000s line 100\n");
    expect(ids("run-output-note").textContent).toBe("The first 101 lines are left out here; the committed log has the output as recorded.");
    source.emit("output", { replace: true, lines: [{ at: "+0.002s", stream: "log", text: "done" }] });
    expect(shape(pre)).toBe("<pre.output><span.log><span.t>+0.002s</span> log: done\n</span></pre>");
    expect(ids("run-output-note").hidden).toBe(true);
  });

  it("updates the status, counters, progress with its ETA, result and log link; hides Cancel and stops at the end", () => {
    const { ids } = runPage();
    const source = FakeSource.last;
    vi.setSystemTime(0);
    source.emit("state", { status: "running", final: false, progress: 10, done: 10, total: 100, counters: [["<b>x</b>", "3"]] });
    expect(shape(ids("run-status"))).toBe("<p><span.status.status-running>running</span></p>");
    expect(shape(ids("run-progress"))).toBe("<div><progress max=100 value=10></progress> 10 of 100 (10%)</div>");
    expect(shape(ids("run-counters"))).toBe(
      "<div><h2>Counters</h2><table.counters><tbody><tr><th scope=row><b>x</b></th><td>3</td></tr></tbody></table></div>",
    );
    vi.setSystemTime(60_000);
    source.emit("state", { progress: 40, done: 40 });
    // 30 done in a minute: 60 more take two.
    expect(ids("run-progress").textContent).toBe(" 40 of 100 (40%), about 2 min left");

    source.emit("state", {
      status: "succeeded",
      final: true,
      result: "<i>ok</i>",
      log: { path: "logs/x.md", commit: "ccccccc", url: "https://github.example/x" },
    });
    expect(ids("run-cancel").hidden).toBe(true);
    expect(ids("run-live").textContent).toBe("The run is over.");
    expect(shape(ids("run-result"))).toBe("<div><h2>Result</h2><pre.result><i>ok</i></pre></div>");
    expect(shape(ids("run-log"))).toBe("<div><a href=https://github.example/x>logs/x.md</a></div>");
    expect(ids("run-progress").textContent).toBe(" 40 of 100 (40%)");
    source.emit("end", null);
    expect(source.closed).toBe(true);
  });

  it("builds a workflow's steps as text, as the server renders them, and rebuilds them as they change", () => {
    const { ids } = runPage();
    const source = FakeSource.last;
    const workflow = rolledBackWorkflow();
    workflow.entries[2] = entry("ship", "run", "failed", { error: '<img src=x onerror="alert(1)">' });
    workflow.declared = workflow.declared.map((step, i) => (i === 1 ? { ...step, name: "<b>charge</b>" } : step));
    workflow.entries = workflow.entries.map((e) => (e.step === "charge" ? { ...e, step: "<b>charge</b>" } : e));
    const steps = liveSteps(workflowView(workflow), true);
    source.emit("state", { status: "rolled_back", final: true, steps });
    const el = ids("run-steps");
    expect(shape(el.children[0] as Element)).toBe("<h2>Steps</h2>");
    expect(shape(el.children[1] as Element)).toBe("<p.steps-summary>Undone: ship, <b>charge</b>, reserve; not undone: none.</p>");
    expect(shape(el.children[2] as Element)).toBe(
      "<ol.steps><li.step.standing-undone><code>reserve</code>: <span.standing>undone</span></li>" +
        "<li.step.standing-undone><code><b>charge</b></code>: <span.standing>undone</span></li>" +
        "<li.step.standing-undone><code>ship</code>: <span.standing>failed, undone</span></li></ol>",
    );
    const rows = (el.children[3] as Element).querySelectorAll("tr");
    expect(rows).toHaveLength(7);
    expect(shape(rows[3]!)).toBe(
      '<tr.entry.outcome-failed><td>3</td><td><code>ship</code></td><td>run</td><td>failed</td><td>120 ms</td><td><p.step-error><img src=x onerror="alert(1)"></p></td></tr>',
    );
    expect(shape(rows[5]!)).toContain('<pre.step-changes>$.chargeId: removed (was "ch_1")</pre>');
    // The same text as the page the server renders.
    const unescape = (html: string) =>
      html
        .replace(/<[^>]+>/g, "")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, "&");
    expect(el.textContent).toBe(unescape(render(h(WorkflowSteps, { steps }))));

    source.emit("state", { steps: null });
    expect(el.children).toHaveLength(0);
  });

  it("reloads a parked run's page when what it waits for changes, and only then", () => {
    const key = JSON.stringify(["waiting", "approval", null, 0, 0]);
    const { reloads } = page((el) => {
      const run = el("div", { id: "run", attrs: { "data-events": "/chores/runs/r-1/events?after=1-l-5-1" } });
      el("div", { id: "run-parked", attrs: { "data-parked": key } }, run);
      el("p", { id: "run-status" }, run);
    });
    FakeSource.last.emit("state", { status: "waiting", parked: key });
    expect(reloads).toHaveLength(0);
    FakeSource.last.emit("state", { parked: JSON.stringify(["waiting", "approval", null, 1, 1]) });
    expect(reloads).toHaveLength(1);
  });

  it("reloads a page drawn before its run was parked once it is", () => {
    const { reloads } = page((el) => {
      const run = el("div", { id: "run", attrs: { "data-events": "/chores/runs/r-1/events?after=1-l-5-1" } });
      el("div", { id: "run-parked", attrs: { "data-parked": "" } }, run);
    });
    FakeSource.last.emit("state", { status: "running", parked: null });
    expect(reloads).toHaveLength(0);
    FakeSource.last.emit("state", { status: "interrupted", parked: JSON.stringify(["interrupted", "charge", 0]) });
    expect(reloads).toHaveLength(1);
  });

  it("links a log only to an http(s) address", () => {
    const { ids } = runPage();
    FakeSource.last.emit("state", { final: true, log: { path: "logs/x.md", commit: "ccccccc", url: "javascript:alert(1)" } });
    expect(shape(ids("run-log"))).toBe("<div><code>logs/x.md</code> at commit <code>ccccccc</code></div>");
  });

  it("updates the history rows of unfinished runs", () => {
    const { body } = page((el) => {
      el("p", { id: "history-live" });
      const table = el("table", { cls: "history", attrs: { "data-events": "/chores/events?run=r-1" } });
      const row = el("tr", { attrs: { "data-run": "r-1" } }, table);
      el("td", { cls: "run-status" }, row);
      el("td", { cls: "run-started" }, row);
      el("td", { cls: "run-duration" }, row);
    });
    const source = FakeSource.last;
    expect(source.url).toBe("/chores/events?run=r-1");
    source.emit("state", { id: "r-1", status: "failed", started: "2026-12-02 09:00:00 UTC", duration: "2.5 s" });
    source.emit("state", { id: "r-9", status: "failed" });
    expect(shape(body.querySelector("tr")!)).toBe(
      "<tr data-run=r-1><td.run-status><span.status.status-failed>failed</span></td><td.run-started>2026-12-02 09:00:00 UTC</td><td.run-duration>2.5 s</td></tr>",
    );
  });

  it("does nothing on a page with nothing live", () => {
    const before = FakeSource.last;
    page((el) => el("p", { id: "run" }));
    expect(FakeSource.last).toBe(before);
  });

  it("is served as its own source, run on window, with nothing from its module's scope", () => {
    expect(LIVE_SCRIPT.startsWith('"use strict";\n(function liveClient(win) {')).toBe(true);
    expect(LIVE_SCRIPT.trimEnd().endsWith("})(window);")).toBe(true);
    expect(LIVE_SCRIPT).not.toMatch(/\binnerHTML\b|\bimport\b|\beval\b/);
  });
});
