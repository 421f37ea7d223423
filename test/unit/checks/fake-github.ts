import nock from "nock";

export interface FakeRepo {
  owner: string;
  repo: string;
  headSha: string;
  number: number;
  /** Repository files at the head commit. */
  files: Record<string, string>;
  /** Repository files on the base branch ("main"); default: `files`. */
  baseFiles?: Record<string, string>;
  /** Collaborator permissions by login; anyone else has "write". */
  permissions?: Record<string, string>;
  /** What `GET /pulls/{n}/files` lists. */
  prFiles: { filename: string; status: string; previous_filename?: string }[];
  reviews?: { user: { login: string }; state: string; commit_id: string }[];
  author?: string;
}

export interface Recorded {
  created: any[];
  updated: any[];
  /** Paths read through the contents API (decoded). */
  reads: string[];
}

/**
 * The GitHub REST endpoints the check reads and writes, answered from `repo` with GitHub's
 * published shapes: contents (JSON and the raw media type Probot's config loader asks
 * for), pull request files, reviews and the pull request, and check-run create/update.
 */
export function fakeGitHub(repo: FakeRepo): Recorded {
  const recorded: Recorded = { created: [], updated: [], reads: [] };
  const base = `/repos/${repo.owner}/${repo.repo}`;
  nock("https://api.github.com")
    .persist()
    .post(/^\/app\/installations\/\d+\/access_tokens$/)
    .reply(201, { token: "installation-token", expires_at: "2099-01-01T00:00:00Z", permissions: { checks: "write", contents: "read", pull_requests: "read" } })
    .get(/^\/repos\/[^/]+\/[^/]+\/contents\//)
    .query(true)
    .reply(function (uri) {
      const url = new URL(uri, "https://api.github.com");
      const [, , owner, name, , ...rest] = url.pathname.split("/");
      const path = decodeURIComponent(rest.join("/"));
      if (owner !== repo.owner || name !== repo.repo) return [404, { message: "Not Found" }];
      const ref = url.searchParams.get("ref");
      const files = ref === repo.headSha ? repo.files : ref === "main" ? (repo.baseFiles ?? repo.files) : undefined;
      if (!files) return [404, { message: "No commit found for the ref" }];
      recorded.reads.push(path);
      const text = files[path];
      if (text === undefined) return [404, { message: "Not Found" }];
      const accept = String(this.req.headers.accept ?? "");
      if (accept.includes("raw")) return [200, text, { "content-type": "text/plain; charset=utf-8" }];
      return [
        200,
        {
          type: "file",
          name: path.split("/").at(-1),
          path,
          sha: "f".repeat(40),
          size: Buffer.byteLength(text),
          encoding: "base64",
          content: Buffer.from(text).toString("base64"),
        },
      ];
    })
    .get(`${base}/pulls/${repo.number}/files`)
    .query(true)
    .reply(200, () => repo.prFiles.map((f, i) => ({ sha: String(i).padStart(40, "0"), additions: 1, deletions: 0, changes: 1, ...f })))
    .get(`${base}/pulls/${repo.number}/reviews`)
    .query(true)
    .reply(200, () => repo.reviews ?? [])
    .get(new RegExp(`^${base}/collaborators/[^/]+/permission$`))
    .reply(200, (uri) => {
      const login = decodeURIComponent(uri.split("/").at(-2)!);
      const permission = repo.permissions?.[login] ?? "write";
      return { permission, role_name: permission, user: { login } };
    })
    .get(`${base}/pulls/${repo.number}`)
    .reply(200, () => ({
      number: repo.number,
      state: "open",
      user: { login: repo.author ?? "Codertocat" },
      head: { sha: repo.headSha },
      base: { ref: "main" },
    }))
    .post(`${base}/check-runs`)
    .reply(201, (_uri, body) => {
      recorded.created.push(body);
      return { id: 4242, name: "chorebot", head_sha: repo.headSha, status: "completed" };
    })
    .patch(`${base}/check-runs/4242`)
    .reply(200, (_uri, body) => {
      recorded.updated.push(body);
      return { id: 4242 };
    });
  return recorded;
}

let counter = 0;
/** A fresh head SHA per test: file reads are cached per commit for the whole process. */
export function freshSha(): string {
  counter += 1;
  return `${Date.now().toString(16)}${counter.toString(16).padStart(4, "0")}`.padEnd(40, "a").slice(0, 40);
}
