import type { CheckRunAnnotation, CheckRunRecord } from "./types.js";

/** Check runs by id, with their full (appended-to) annotation lists. */
export class CheckRunStore {
  private readonly runs = new Map<number, CheckRunRecord>();
  private lastId = 4_000_000_000;

  nextId(): number {
    return ++this.lastId;
  }

  add(record: CheckRunRecord): void {
    this.runs.set(record.id, record);
  }

  get(id: number): CheckRunRecord | undefined {
    return this.runs.get(id);
  }

  /** Oldest first; only those on `sha` when given. */
  all(sha?: string): CheckRunRecord[] {
    return [...this.runs.values()].filter((run) => sha === undefined || run.headSha === sha);
  }
}

export type { CheckRunAnnotation, CheckRunRecord };
