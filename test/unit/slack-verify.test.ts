/**
 * Slack request verification: Slack's documented example (signing secret, timestamp, body and
 * signature from https://api.slack.com/authentication/verifying-requests-from-slack), and every
 * way a request is refused.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_SKEW_SECONDS,
  rawBody,
  signSlackRequest,
  verifySlackRequest,
} from '../../shared/adapters/slack/verify.ts';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TS = 1531420618;
const BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

const headers = (signature = SIGNATURE, timestamp: string = String(TS)) => ({
  'x-slack-request-timestamp': timestamp,
  'x-slack-signature': signature,
});

describe('Slack request verification', () => {
  it("signs Slack's documented example with its documented signature", () => {
    expect(signSlackRequest(SECRET, TS, BODY)).toBe(SIGNATURE);
  });

  it("accepts Slack's documented example, headers in any case", () => {
    expect(verifySlackRequest(SECRET, { headers: headers(), body: BODY }, TS)).toEqual({
      ok: true,
    });
    expect(
      verifySlackRequest(
        SECRET,
        {
          headers: { 'X-Slack-Request-Timestamp': String(TS), 'X-Slack-Signature': SIGNATURE },
          body: Buffer.from(BODY),
        },
        TS + MAX_SKEW_SECONDS,
      ),
    ).toEqual({ ok: true });
  });

  it.each([
    ['a tampered body', headers(), BODY.replace('text=', 'text=delete'), TS, /does not match/],
    ['a secret one character short', headers(), BODY, TS, /does not match/, SECRET.slice(0, -1)],
    ['a stale timestamp', headers(), BODY, TS + MAX_SKEW_SECONDS + 1, /5 minutes/],
    ['a future timestamp', headers(), BODY, TS - MAX_SKEW_SECONDS - 1, /5 minutes/],
    ['no signature', { 'x-slack-request-timestamp': String(TS) }, BODY, TS, /missing/],
    ['no timestamp', { 'x-slack-signature': SIGNATURE }, BODY, TS, /missing/],
    ['a timestamp that is no number', headers(SIGNATURE, '1531420618.5'), BODY, TS, /seconds/],
    ['another version prefix', headers(SIGNATURE.replace('v0=', 'v1=')), BODY, TS, /v0/],
    ['garbage for a signature', headers('v0=not-hex'), BODY, TS, /v0/],
    [
      'an upper-case signature',
      headers(SIGNATURE.toUpperCase().replace('V0=', 'v0=')),
      BODY,
      TS,
      /v0/,
    ],
    [
      'the signature of another timestamp',
      headers(signSlackRequest(SECRET, TS + 1, BODY)),
      BODY,
      TS,
      /does not match/,
    ],
  ])('refuses %s', (_, given, body, now, reason, secret = SECRET) => {
    const verdict = verifySlackRequest(secret, { headers: given, body }, now);
    expect(verdict.ok).toBe(false);
    expect(verdict.ok ? '' : verdict.reason).toMatch(reason);
  });

  it('reads base64 bodies from API Gateway as the exact bytes sent', () => {
    const bytes = Buffer.from('text=%C3%A9t%C3%A9&x=\u00e9', 'utf8');
    expect(rawBody({ body: bytes.toString('base64'), isBase64Encoded: true }).equals(bytes)).toBe(
      true,
    );
    expect(rawBody({ body: 'a=b', isBase64Encoded: false }).toString()).toBe('a=b');
    expect(rawBody({}).length).toBe(0);
    const signature = signSlackRequest(SECRET, TS, bytes);
    const event = { body: bytes.toString('base64'), isBase64Encoded: true };
    expect(
      verifySlackRequest(SECRET, { headers: headers(signature), body: rawBody(event) }, TS).ok,
    ).toBe(true);
  });
});
