import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type { Socket } from "node:net";

/** What `git cat-file --batch-command` says about one object (`data` only for `contents`). */
export interface BatchObject {
  oid: string;
  type: string;
  size: number;
  data?: Buffer;
}

interface Request {
  command: "info" | "contents";
  name: string;
  resolve: (object: BatchObject | undefined) => void;
  reject: (error: Error) => void;
  /** Already re-sent once after the process died under it. */
  retried: boolean;
}

/** Names are sent one per line; git strips a trailing CR and the command parser splits at spaces. */
const SAFE_NAME = /^[0-9a-f]{40}(\^\{(commit|tree)\})?$/;

/** Answers kept (objects never change; missing ones are not kept, they may be written later). */
const CACHE_ENTRIES = 4096;
/** Bytes of tree, commit and tag contents kept; blob contents never are (callers own those Buffers). */
const CACHE_BYTES = 8 * 1024 * 1024;

/**
 * One long-lived `git cat-file --batch-command` per repository, for reads of immutable objects by
 * full object id (`<oid>`, `<oid>^{commit}`, `<oid>^{tree}`). Started on first use, answers in
 * FIFO order (git answers commands in the order it reads them, flushing after each one without
 * --buffer), restarted when it dies (requests in flight are re-sent once), ended by close().
 * Answers are kept in a small LRU (an object's id names the same bytes forever).
 *
 * Refs and abbreviated ids never go through it: those can change (or, for abbreviations, be
 * cached by git) while the process lives; they stay with one `git rev-parse` each.
 */
export class CatFileBatch {
  private child: ChildProcessWithoutNullStreams | undefined;
  /** Sent to `child`, not answered yet, oldest first. */
  private readonly waiting: Request[] = [];
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The header of the oldest request's answer, while its contents are still arriving. */
  private header: BatchObject | undefined;
  private stderr = "";
  private closed = false;
  private exited: Promise<void> = Promise.resolve();
  /** name → its answer, least recently used first; `data` only for trees, commits and tags. */
  private readonly cache = new Map<string, BatchObject>();
  private cachedBytes = 0;

  constructor(
    private readonly env: Record<string, string>,
    private readonly onSpawn: () => void = () => undefined,
  ) {}

  /** oid, type and size of the named object, or undefined when git says it is missing. */
  info(name: string): Promise<BatchObject | undefined> {
    return this.request("info", name);
  }

  /** Like info() plus the object's bytes. */
  contents(name: string): Promise<BatchObject | undefined> {
    return this.request("contents", name);
  }

  /** Ends the process (EOF on its stdin, SIGKILL if it lingers); later requests are refused. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (child) {
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
      await this.exited;
      clearTimeout(timer);
    }
  }

  private request(command: Request["command"], name: string): Promise<BatchObject | undefined> {
    if (!SAFE_NAME.test(name)) return Promise.reject(new Error(`cat-file batch: refusing object name ${JSON.stringify(name)}`));
    if (this.closed) return Promise.reject(new Error("cat-file batch: the repository is closed"));
    const cached = this.cache.get(name);
    if (cached && (command === "info" || cached.data)) {
      this.cache.delete(name);
      this.cache.set(name, cached);
      return Promise.resolve(command === "info" ? { oid: cached.oid, type: cached.type, size: cached.size } : cached);
    }
    return new Promise<BatchObject | undefined>((resolve, reject) => this.send({ command, name, resolve, reject, retried: false })).then((object) => {
      if (object) this.remember(name, object);
      return object;
    });
  }

  private remember(name: string, object: BatchObject): void {
    const kept = object.data && object.type !== "blob" ? object : { oid: object.oid, type: object.type, size: object.size };
    const previous = this.cache.get(name);
    if (previous?.data && !kept.data) return;
    if (previous) {
      this.cachedBytes -= previous.data?.length ?? 0;
      this.cache.delete(name);
    }
    this.cache.set(name, kept);
    this.cachedBytes += kept.data?.length ?? 0;
    for (const [oldest, entry] of this.cache) {
      if (this.cache.size <= CACHE_ENTRIES && this.cachedBytes <= CACHE_BYTES) break;
      this.cache.delete(oldest);
      this.cachedBytes -= entry.data?.length ?? 0;
    }
  }

  private send(request: Request): void {
    const child = this.child ?? this.start();
    this.waiting.push(request);
    // While answers are owed, the process keeps the event loop alive; idle, it does not.
    if (this.waiting.length === 1) (child.stdout as unknown as Socket).ref();
    child.stdin.write(`${request.command} ${request.name}\n`);
  }

  private start(): ChildProcessWithoutNullStreams {
    this.onSpawn();
    const child = spawn("git", ["cat-file", "--batch-command"], { env: this.env, stdio: ["pipe", "pipe", "pipe"] });
    this.child = child;
    this.chunks = [];
    this.buffered = 0;
    this.header = undefined;
    this.stderr = "";
    child.unref();
    (child.stdin as unknown as Socket).unref();
    (child.stderr as unknown as Socket).unref();
    (child.stdout as unknown as Socket).unref();
    child.stdin.on("error", () => {
      /* the process died; "close" below re-sends or fails what was waiting */
    });
    child.stdout.on("data", (chunk: Buffer) => {
      if (this.child !== child) return;
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      this.parse(child);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString("utf8")).slice(-4000);
    });
    let resolveExited!: () => void;
    this.exited = new Promise((resolve) => (resolveExited = resolve));
    let gone = false;
    const onGone = (why: string) => {
      if (gone) return;
      gone = true;
      resolveExited();
      this.died(child, why);
    };
    child.once("error", (error) => onGone(error.message));
    child.once("close", (code, signal) => onGone(`exited with ${code ?? signal}`));
    return child;
  }

  /** The process is gone: what it owed is re-sent to a new one once, then failed. */
  private died(child: ChildProcessWithoutNullStreams, why: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    const owed = this.waiting.splice(0);
    const error = new Error(`git cat-file --batch-command ${why}: ${this.stderr.trim()}`);
    for (const request of owed) {
      if (!this.closed && !request.retried) {
        request.retried = true;
        this.send(request);
      } else {
        request.reject(error);
      }
    }
  }

  /** Answers the oldest requests for which the whole answer has arrived. */
  private parse(child: ChildProcessWithoutNullStreams): void {
    for (;;) {
      const request = this.waiting[0];
      if (!request) {
        (child.stdout as unknown as Socket).unref();
        if (this.buffered > 0) this.protocolError(child, "output nobody asked for");
        return;
      }
      if (!this.header) {
        const newline = this.indexOfNewline();
        if (newline === -1) return;
        const line = this.take(newline + 1).toString("utf8", 0, newline);
        if (line === `${request.name} missing` || line === `${request.name} ambiguous`) {
          this.waiting.shift();
          request.resolve(undefined);
          continue;
        }
        const match = /^([0-9a-f]{40}) ([a-z]+) (\d+)$/.exec(line);
        if (!match) return this.protocolError(child, `unexpected answer ${JSON.stringify(line)} to ${request.command} ${request.name}`);
        const object: BatchObject = { oid: match[1]!, type: match[2]!, size: Number(match[3]) };
        if (request.command === "info") {
          this.waiting.shift();
          request.resolve(object);
          continue;
        }
        this.header = object;
      }
      // The contents, then a newline.
      if (this.buffered < this.header.size + 1) return;
      const body = this.take(this.header.size + 1);
      const object = { ...this.header, data: body.subarray(0, this.header.size) };
      this.header = undefined;
      this.waiting.shift();
      request.resolve(object);
    }
  }

  /** Git said something this reader does not understand: fail what is waiting and start afresh. */
  private protocolError(child: ChildProcessWithoutNullStreams, what: string): void {
    this.child = undefined;
    child.kill("SIGKILL");
    const error = new Error(`git cat-file --batch-command: ${what}`);
    for (const request of this.waiting.splice(0)) request.reject(error);
  }

  private indexOfNewline(): number {
    let base = 0;
    for (const chunk of this.chunks) {
      const at = chunk.indexOf(10);
      if (at !== -1) return base + at;
      base += chunk.length;
    }
    return -1;
  }

  /** Removes and returns the first `n` buffered bytes (n <= buffered). */
  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.chunks);
      out = all.subarray(0, n);
      this.chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.buffered -= n;
    return out;
  }
}
