import type { Job } from "bullmq";
import { UnrecoverableError } from "bullmq";
import { describe, expect, it } from "vitest";
import { checkedFormat, JOB_FORMAT, JobTooNew, readJobFormat, withFormat } from "../../../src/pipeline/job-format.js";

describe("readJobFormat", () => {
  it("reads data without a format as format 1 (release c58baed and before), and this release's", () => {
    expect(readJobFormat({ runId: "r", target: {} })).toBe(1);
    expect(readJobFormat({ format: 1 })).toBe(1);
    expect(readJobFormat(withFormat({ runId: "r" }))).toBe(JOB_FORMAT);
  });

  it("refuses a newer format for good, saying what to do", () => {
    const read = () => readJobFormat({ format: JOB_FORMAT + 1 });
    expect(read).toThrow(JobTooNew);
    expect(read).toThrow(UnrecoverableError);
    expect(read).toThrow(
      `written by a newer chorebot (job format ${JOB_FORMAT + 1}; this worker reads up to ${JOB_FORMAT}): deploy the new release to this worker, then retry the job from the dashboard`,
    );
  });

  it("refuses a format it cannot make sense of", () => {
    for (const format of ["2", 0, 1.5, null]) expect(() => readJobFormat({ format })).toThrow(/unreadable job format/);
  });
});

describe("checkedFormat", () => {
  it("runs the processor on a readable job only", async () => {
    const seen: unknown[] = [];
    const processor = checkedFormat(async (job: Job<{ format?: number }>, token?: string) => {
      seen.push([job.data, token]);
      return "done";
    });
    await expect(processor({ data: {} } as Job, "t")).resolves.toBe("done");
    await expect(processor({ data: { format: JOB_FORMAT + 1 } } as Job)).rejects.toThrow(JobTooNew);
    expect(seen).toEqual([[{}, "t"]]);
  });
});
