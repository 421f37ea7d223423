/**
 * A local GitHub stand-in for end-to-end tests: GitHub's REST shapes over HTTP on 127.0.0.1,
 * backed by a real bare git repository driven through the git CLI.
 */
export { startGitHubStandIn } from "./stand-in.js";
export { sendWebhook, signWebhookBody, type SendWebhookOptions } from "./webhook.js";
export type {
  BeforeNextOptions,
  CheckRunAnnotation,
  CheckRunPayloadRequest,
  CheckRunRecord,
  CommitFilesOptions,
  FailNextOptions,
  FileContent,
  GitHubStandIn,
  IssueCommentSummary,
  MergedPullRequest,
  MergeMethod,
  MergeOpenPullRequestOptions,
  MergePullRequestOptions,
  OpenedPullRequest,
  OpenPullRequestOptions,
  PullRequestPayloadRequest,
  PushPayloadRequest,
  RecordedRequest,
  RepositoryRole,
  StandInOptions,
} from "./types.js";
export type { AutoMergeRecord, PullRequestRecord, ReviewRecord, ReviewState } from "./pull-requests.js";
