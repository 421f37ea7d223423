import { h } from "preact";
import { render } from "preact-render-to-string";
import { describe, expect, it } from "vitest";
import type { IterationView } from "../../../src/api/iteration-view.js";
import { IterationPanel } from "../../../src/chores/iteration-panel.js";
import { RunPage } from "../../../src/chores/run-page.js";
import { iterationShown } from "../../../src/chores/iteration-shown.js";
import { stateOf } from "../../../src/chores/live/run-events.js";
import { runView } from "./chores-fixtures.js";

const AT = "2026-12-06T20:00:09.000Z";

function iteration(o: Partial<IterationView> = {}): IterationView {
  return {
    batch_size: 50,
    total: 1000,
    done: 412,
    rate: 41.2,
    eta_ms: 14_272,
    checkpoint: { seq: 8, done: 400, cursor: '{"id":400}', at: AT },
    in_flight: { seq: 9, from: 401, items: 12 },
    finished: false,
    ...o,
  };
}

const running = (o: Partial<IterationView> = {}) => runView({ id: "run-9", status: "running", finished_at: null, iteration: iteration(o) });

describe("the run page's iteration panel", () => {
  it("shows the bar, done of total, rate, ETA, checkpoint and the batch in flight; a Pause button for who may decide", () => {
    const html = render(h(IterationPanel, { run: running(), csrf: "tok", canPause: true }));
    expect(html).toContain('<progress id="iteration-bar" max="1000" value="412">');
    expect(html).toContain("412/1,000 items, batch 9 in flight, ETA 14 s");
    expect(html).toContain('<dd id="iteration-rate">41 items/s</dd>');
    expect(html).toContain('<dd id="iteration-eta">14 s</dd>');
    expect(html).toMatch(/batch 8, after item 400, .*; cursor \{&quot;id&quot;:400\}/);
    expect(html).toContain("batch 9: 12 of its items done (from item 401)");
    expect(html).toContain('id="decide-pause"');
    expect(render(h(IterationPanel, { run: running(), csrf: "tok", canPause: false }))).not.toContain('id="decide-pause"');
  });

  it("shows who paused it since when, with no Pause button; and a pause asked, not yet taken", () => {
    const paused = { ...running({ rate: null, eta_ms: null, in_flight: null, done: 400 }), status: "paused" as const, paused: { since: AT, by: "ana" } };
    const html = render(h(IterationPanel, { run: paused, csrf: "tok", canPause: true }));
    expect(html).toMatch(/<p id="iteration-pause" class="notice" role="status">Paused by ana since /);
    expect(html).toContain('<dd id="iteration-rate">not running</dd>');
    expect(html).not.toContain('id="decide-pause"');
    const asked = { ...running(), pause_requested: { by: "ana", at: AT } };
    const pausing = render(h(IterationPanel, { run: asked, csrf: "tok", canPause: true }));
    expect(pausing).toMatch(/Pause asked by ana at .*: it stops after this batch/);
    expect(pausing).not.toContain('id="decide-pause"');
  });

  it("shows a hostile cursor and login as text: no tag, no link, no terminal escape", () => {
    const cursor = JSON.stringify(`</script><script>alert(1)</script>[x](javascript:alert(1))\u001b[31m${"y".repeat(10_000)}`).slice(0, 200);
    const run = {
      ...running({ checkpoint: { seq: 1, done: 50, cursor, at: AT } }),
      status: "paused" as const,
      paused: { since: AT, by: "<img src=x onerror=alert(1)>" },
    };
    const html = render(h(RunPage, { user: { login: "alice" } as never, csrf: "tok", run, canCancel: false }));
    const panel = html.slice(html.indexOf('id="run-iteration"'), html.indexOf("</section>", html.indexOf('id="run-iteration"')));
    expect(panel).not.toContain("<script>");
    expect(panel).not.toContain("</script>");
    expect(panel).not.toContain("<img");
    expect(panel).not.toContain("\u001b");
    expect(panel).toContain("&lt;/script>&lt;script>");
  });

  it("is not drawn for any other script; the live state carries the same words as the panel", () => {
    expect(render(h(IterationPanel, { run: runView({ status: "running" }), csrf: "tok", canPause: true }))).toBe("");
    expect(stateOf(runView()).iteration).toBeNull();
    const shown = iterationShown(running())!;
    expect(stateOf(running()).iteration).toEqual(shown);
    expect(render(h(IterationPanel, { run: running(), csrf: "tok", canPause: false }))).toContain(`<span id="iteration-line">${shown.line}</span>`);
  });
});
