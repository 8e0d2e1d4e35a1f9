import { createHmac } from 'node:crypto';

export interface WebhookSettings {
  readonly url: string;
  readonly secret: string;
  /** Attempts before a notification is abandoned on this channel. */
  readonly maxAttempts: number;
  readonly timeoutMs: number;
}

/** `certm3-signature`: HMAC-SHA256 of the raw body under the shared secret, as `sha256=<hex>`. */
export function webhookSignature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Seconds before attempt `attempts + 1`: 2, 4, 8, … up to an hour. */
export function backoffMs(attempts: number): number {
  return Math.min(2 ** attempts * 1000, 3_600_000);
}

/**
 * One POST. The receiver may see a notification again after a crash between its answer and the record of
 * it (at-least-once): `certm3-notification-id` is the same every time, to drop repeats by.
 */
export async function postWebhook(
  settings: WebhookSettings,
  notificationId: string,
  body: string,
): Promise<{ readonly ok: true } | { readonly ok: false; readonly error: string }> {
  try {
    const response = await fetch(settings.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'certm3-signature': webhookSignature(body, settings.secret),
        'certm3-notification-id': notificationId,
      },
      body,
      signal: AbortSignal.timeout(settings.timeoutMs),
      redirect: 'manual',
    });
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { ok: true };
    return { ok: false, error: `HTTP ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { ok: false, error: cause ?? (error as Error).name ?? 'request failed' };
  }
}
