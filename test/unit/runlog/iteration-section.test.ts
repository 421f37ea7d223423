import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderRunLog } from "../../../src/runlog/render-run-log.js";
import type { ExecutionReport, IterationReport, RunDecision, RunStatus } from "../../../src/run-types.js";
import { runLogInput } from "./run-log-fixture.js";

const AT = "2026-11-03T10:00:01.000Z";

function iteration(o: Partial<IterationReport> = {}): IterationReport {
  return {
    batchSize: 50,
    total: 1000,
    checkpoint: { seq: 20, done: 1000, cursor: '{"id":1000}', at: AT },
    inFlight: null,
    resumedFrom: null,
    paused: false,
    finished: true,
    refused: 0,
    ...o,
  };
}

function report(it: IterationReport): ExecutionReport {
  return { inputs: null, counters: {}, progress: null, result: undefined, failReason: null, logs: [], droppedLogs: 0, rejectedLines: 0, iteration: it };
}

function log(status: RunStatus, it: IterationReport, decisions?: RunDecision[]): string {
  const input = runLogInput({ status });
  input.execution.report = report(it);
  if (decisions) input.execution.decisions = decisions;
  return renderRunLog(input);
}

function frontMatter(text: string): Record<string, unknown> {
  return parse(text.split("---\n")[1]!) as Record<string, unknown>;
}

function section(text: string): string {
  const start = text.indexOf("## Iteration\n");
  expect(start).toBeGreaterThan(0);
  return text.slice(start, text.indexOf("\n## ", start + 1));
}

const pause = (by: string, at: string): RunDecision => ({ kind: "pause", by, via: "page", at });
const resume = (by: string, at: string): RunDecision => ({ kind: "resume", by, via: "api", at });

describe("a run log's Iteration section", () => {
  it("a finished iteration: items processed of the total, batches of N, the last checkpoint; front matter for machines", () => {
    const text = log("succeeded", iteration());
    expect(section(text)).toContain("**1,000 of 1,000 items** processed, in batches of 50.");
    expect(section(text)).toContain('Last checkpoint: batch 20, after item 1,000, at 2026-11-03T10:00:01.000Z; cursor `{"id":1000}`.');
    expect(section(text)).toContain("Every item was processed.");
    expect(section(text)).not.toMatch(/Resume/);
    expect(frontMatter(text)).toMatchObject({ items_processed: 1000, items_checkpointed: 1000, items_total: 1000, batches: 20, batch_size: 50 });
  });

  it("an interrupted one: the batch in flight, that its items may be processed again, and that Resume goes on after item N", () => {
    const it = iteration({ checkpoint: { seq: 8, done: 400, cursor: "400", at: AT }, inFlight: { seq: 9, from: 401, items: 12 }, finished: false });
    const text = log("interrupted", it);
    const body = section(text);
    expect(body).toContain("**412 of 1,000 items** processed");
    expect(body).toContain("Batch 9 was in flight (items 401–412 processed, not checkpointed): its items may be processed again on Resume.");
    expect(body).toContain("Resume goes on after item 400");
    // The paragraph read first says so too, and no Roll back is offered.
    expect(text).toContain("Resume goes on after item 400 (the items of batch 9");
    expect(text).not.toMatch(/chorebot rollback/);
    expect(frontMatter(text)).toMatchObject({ status: "interrupted", items_processed: 412, items_checkpointed: 400, batches: 8, iteration_finished: false });
  });

  it("a failed one says where Resume goes on; one with no total says no total", () => {
    const text = log(
      "failed",
      iteration({ total: null, checkpoint: { seq: 2, done: 100, cursor: "100", at: AT }, inFlight: { seq: 3, from: 101, items: 37 }, finished: false }),
    );
    expect(section(text)).toContain("**137 items** processed");
    expect(text).toContain("Resume goes on after item 100");
    expect(frontMatter(text)).toMatchObject({ items_total: null });
  });

  it("lists pauses and resumes in order, with who and when; a pause during the last batch never paused", () => {
    const decisions = [pause("ana", "2026-11-03T10:00:00.500Z"), resume("bob", "2026-11-03T10:05:00.000Z"), pause("carol", "2026-11-03T10:09:00.000Z")];
    const body = section(log("succeeded", iteration(), decisions));
    expect(body).toContain("1. Asked to pause by @ana via the run page at 2026-11-03T10:00:00.500Z: it paused after its batch in flight, its checkpoint kept.");
    expect(body).toContain("2. Resumed by @bob via the API at 2026-11-03T10:05:00.000Z: it went on from its checkpoint.");
    expect(body).toContain(
      "3. Asked to pause by @carol via the run page at 2026-11-03T10:09:00.000Z; the run finished during its last batch, so it never paused.",
    );
  });

  it("a resume no pause came before went on after an interruption", () => {
    const resumed = iteration({ resumedFrom: { seq: 8, done: 400 } });
    const body = section(log("succeeded", resumed, [resume("bob", "2026-11-03T10:05:00.000Z")]));
    expect(body).toContain("This attempt went on after item 400 (batch 8), where an earlier one stopped.");
    expect(body).toContain("1. Interrupted, then resumed by @bob via the API at 2026-11-03T10:05:00.000Z: it went on from its last checkpoint.");
  });

  it("escapes a hostile cursor and login: no link, no HTML, no line break, no code span broken out of", () => {
    const hostile = `</script><img src=x onerror=alert(1)>[click](javascript:alert(1))\n# heading${"y".repeat(10_000)}`;
    const cut = JSON.stringify(hostile).slice(0, 199) + "…";
    const text = log("interrupted", iteration({ checkpoint: { seq: 1, done: 50, cursor: cut, at: AT }, finished: false }), [pause("x`](http://evil)", AT)]);
    const body = section(text);
    expect(body).toContain("cursor `");
    // In a code span: it shows as text; nothing but the span holds it.
    const line = body.split("\n").find((l) => l.startsWith("Last checkpoint"))!;
    expect(line.match(/`/g)).toHaveLength(2);
    expect(body).not.toMatch(/\n# heading/);
    expect(body).toContain("@x\\`\\](http://evil)");
    const withTicks = log("succeeded", iteration({ checkpoint: { seq: 1, done: 50, cursor: '"a`b<script>[x](y)"', at: AT } }));
    expect(section(withTicks)).toContain('cursor "a\\`b\\<script\\>\\[x\\](y)".');
  });

  it("a plain script has no Iteration section and no iteration front matter", () => {
    const text = renderRunLog(runLogInput());
    expect(text).not.toContain("## Iteration");
    expect(frontMatter(text)).not.toHaveProperty("items_processed");
  });
});
