/** An issue (PR conversation) comment as the stand-in remembers it. */
export interface IssueCommentRecord {
  id: number;
  issueNumber: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export class IssueCommentStore {
  private readonly comments = new Map<number, IssueCommentRecord>();
  private lastId = 1_900_000_000;

  nextId(): number {
    return ++this.lastId;
  }

  add(record: IssueCommentRecord): void {
    this.comments.set(record.id, record);
  }

  get(id: number): IssueCommentRecord | undefined {
    return this.comments.get(id);
  }

  /** The comments on issue/PR `number`, oldest first (GitHub's order). */
  on(number: number): IssueCommentRecord[] {
    return [...this.comments.values()].filter((comment) => comment.issueNumber === number);
  }
}
