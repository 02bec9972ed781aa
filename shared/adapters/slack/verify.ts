/**
 * Slack request verification (https://api.slack.com/authentication/verifying-requests-from-slack):
 * `X-Slack-Signature` is `v0=` and the hex HMAC-SHA256, keyed with the app's signing secret, of
 * `v0:<X-Slack-Request-Timestamp>:<raw body>`. Pure, over `node:crypto`: no Slack SDK.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a request's timestamp may be from now, either way (Slack's advice: five minutes). */
export const MAX_SKEW_SECONDS = 300;

/** The signature scheme Slack uses (the only one it has defined). */
const VERSION = 'v0';
const SIGNATURE = /^v0=[0-9a-f]{64}$/;
const TIMESTAMP = /^[0-9]{1,12}$/;

/** Whether a request is Slack's, and why not. */
export type SlackVerification =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string };

/** What a request is verified on. */
export interface SignedRequest {
  /** Header names in any case (API Gateway's payload 2.0 lower-cases them). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body exactly as sent: the bytes the signature covers. */
  readonly body: Buffer | string;
}

/**
 * The `X-Slack-Signature` of a body sent at `timestamp` (seconds since the epoch).
 *
 * @example
 * signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, body);
 * // 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503' for Slack's example body
 */
export function signSlackRequest(
  secret: string,
  timestamp: number | string,
  body: Buffer | string,
): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${VERSION}:${timestamp}:`);
  hmac.update(body);
  return `${VERSION}=${hmac.digest('hex')}`;
}

function header(headers: SignedRequest['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers))
    if (key.toLowerCase() === name && value !== undefined) return value;
  return undefined;
}

/**
 * Checks that a request comes from Slack: both headers present, a timestamp within
 * {@link MAX_SKEW_SECONDS} of `nowSeconds` (stale and future stamps alike), and a `v0` signature
 * equal, compared in constant time, to the one computed over the raw body.
 *
 * @example
 * const verdict = verifySlackRequest(secret, { headers: event.headers, body: rawBody(event) }, Date.now() / 1000);
 * if (!verdict.ok) return { statusCode: 401 };
 */
export function verifySlackRequest(
  secret: string,
  request: SignedRequest,
  nowSeconds: number,
): SlackVerification {
  const timestamp = header(request.headers, 'x-slack-request-timestamp');
  const signature = header(request.headers, 'x-slack-signature');
  if (timestamp === undefined || signature === undefined)
    return { ok: false, reason: 'missing X-Slack-Request-Timestamp or X-Slack-Signature' };
  if (!TIMESTAMP.test(timestamp))
    return { ok: false, reason: 'X-Slack-Request-Timestamp is not a number of seconds' };
  if (Math.abs(nowSeconds - Number(timestamp)) > MAX_SKEW_SECONDS)
    return { ok: false, reason: 'X-Slack-Request-Timestamp is more than 5 minutes from now' };
  if (!SIGNATURE.test(signature))
    return { ok: false, reason: 'X-Slack-Signature is not a v0 signature' };
  const expected = Buffer.from(signSlackRequest(secret, timestamp, request.body));
  if (!timingSafeEqual(expected, Buffer.from(signature)))
    return { ok: false, reason: 'X-Slack-Signature does not match the body' };
  return { ok: true };
}

/**
 * The body of an API Gateway payload 2.0 event as the bytes the client sent: API Gateway
 * base64-encodes form bodies (`isBase64Encoded`), and the signature covers the bytes, not a text
 * re-encoded from them.
 */
export function rawBody(event: {
  readonly body?: string | undefined;
  readonly isBase64Encoded?: boolean | undefined;
}): Buffer {
  if (event.body === undefined) return Buffer.alloc(0);
  return event.isBase64Encoded === true
    ? Buffer.from(event.body, 'base64')
    : Buffer.from(event.body, 'utf8');
}
