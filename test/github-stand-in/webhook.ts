import { createHmac, randomUUID } from "node:crypto";

export interface SendWebhookOptions {
  url: string;
  secret: string;
  event: string;
  payload: unknown;
  /** Defaults to a random UUID, as GitHub generates. */
  deliveryId?: string;
  /** Overrides the computed `x-hub-signature-256` (to test rejection of bad signatures). */
  signature?: string;
}

/** `sha256=<hex HMAC-SHA256 of the exact body>`, GitHub's x-hub-signature-256. */
export function signWebhookBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

/** POSTs a webhook delivery the way GitHub does and returns the receiver's answer. */
export async function sendWebhook(o: SendWebhookOptions): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(o.payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/stand-in",
    "x-github-event": o.event,
    "x-github-delivery": o.deliveryId ?? randomUUID(),
    "x-github-hook-id": "1",
    "x-hub-signature-256": o.signature ?? signWebhookBody(o.secret, body),
  };
  const response = await fetch(o.url, { method: "POST", headers, body });
  return { status: response.status, body: await response.text() };
}
