import { context, trace } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { WorkflowEntry, WorkflowReport } from "../../../src/run-types.js";
import { stepRecorder } from "../../../src/steps/step-recorder.js";

const entry = (over: Partial<WorkflowEntry> = {}): WorkflowEntry => ({
  step: "charge",
  direction: "run",
  outcome: "succeeded",
  startedAt: "2026-12-01T10:00:00.000Z",
  durationMs: 250,
  error: null,
  changes: [],
  moreChanges: 0,
  ...over,
});
const record = (e: WorkflowEntry): WorkflowReport => ({ declared: [{ name: "charge", rollback: true }], entries: [e], state: { n: 1 } });

describe("stepRecorder", () => {
  const exporter = new InMemorySpanExporter();
  beforeEach(() => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });
  afterEach(() => {
    exporter.reset();
    trace.disable();
  });

  it("saves the record, then records a span with the step's own times and outcome", async () => {
    const saved: WorkflowReport[] = [];
    const onStep = stepRecorder({ runId: "run-1", save: async (r) => void saved.push(r) });
    const ran = entry();
    await onStep(record(ran), ran, null);
    const undo = entry({ direction: "rollback", outcome: "failed", error: "ledger locked" });
    await onStep(record(undo), undo, null);
    expect(saved).toHaveLength(2);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(["workflow.step charge", "workflow.rollback charge"]);
    expect(spans[0]!.attributes).toEqual({
      "chorebot.run_id": "run-1",
      "chorebot.workflow.step": "charge",
      "chorebot.workflow.direction": "run",
      "chorebot.workflow.outcome": "succeeded",
    });
    const start = Date.parse("2026-12-01T10:00:00.000Z");
    expect(spans[0]!.startTime).toEqual([Math.floor(start / 1000), (start % 1000) * 1e6]);
    expect(spans[0]!.endTime).toEqual([Math.floor(start / 1000), 250 * 1e6]);
    expect(spans[1]!.status).toEqual({ code: 2, message: "ledger locked" });
  });

  it("puts the spans under the given trace context", async () => {
    const parent = trace.getTracer("test").startSpan("process execute");
    const onStep = stepRecorder({ runId: "run-1", save: async () => {}, trace: trace.setSpan(context.active(), parent) });
    await onStep(record(entry()), entry(), null);
    expect(exporter.getFinishedSpans()[0]!.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
  });

  it("tries a failed save again with backoff, and rejects (no ack, no span) when it never succeeds", async () => {
    let calls = 0;
    const flaky = stepRecorder({
      runId: "run-1",
      retryDelaysMs: [1, 1, 1],
      save: async () => {
        calls += 1;
        if (calls < 3) throw new Error("READONLY");
      },
    });
    await flaky(record(entry()), entry(), null);
    expect(calls).toBe(3);
    const down = stepRecorder({
      runId: "run-1",
      retryDelaysMs: [1, 1],
      save: async () => {
        throw new Error("redis down");
      },
    });
    exporter.reset();
    await expect(down(record(entry()), entry(), null)).rejects.toThrow("redis down");
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
