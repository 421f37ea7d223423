/** The reactions GitHub takes (`content`). */
export const REACTION_CONTENTS = ["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"] as const;
export type ReactionContent = (typeof REACTION_CONTENTS)[number];

/** A reaction on an issue comment, as the stand-in remembers it. */
export interface ReactionRecord {
  id: number;
  commentId: number;
  user: string;
  content: ReactionContent;
  createdAt: string;
}

/** Reactions on issue comments: one per (comment, user, content), as on GitHub. */
export class ReactionStore {
  private readonly reactions: ReactionRecord[] = [];
  private lastId = 150_000_000;

  /** Adds `user`'s reaction, or finds the one they had: `created` says which (GitHub's 201 or 200). */
  add(commentId: number, user: string, content: ReactionContent, createdAt: string): { reaction: ReactionRecord; created: boolean } {
    const existing = this.reactions.find((r) => r.commentId === commentId && r.user.toLowerCase() === user.toLowerCase() && r.content === content);
    if (existing) return { reaction: existing, created: false };
    const reaction: ReactionRecord = { id: ++this.lastId, commentId, user, content, createdAt };
    this.reactions.push(reaction);
    return { reaction, created: true };
  }

  /** The reactions on comment `commentId`, oldest first. */
  on(commentId: number): ReactionRecord[] {
    return this.reactions.filter((r) => r.commentId === commentId);
  }
}
