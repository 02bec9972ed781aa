/**
 * Who made a change. waypointer changes clusters with its own Kubernetes identity, so an audit
 * event names that identity, not the person or system that asked. waypointer therefore sends the
 * real caller in the User-Agent of every write (`waypointer/1 (actor=<id>)`, the id
 * percent-encoded), and audit-ingest believes that claim only from the identities configured as
 * waypointer's own in that cluster: any other user can write any User-Agent. ADR 0010 says why
 * this and not impersonation.
 */

/** The product token of waypointer's writes. */
export const USER_AGENT_PRODUCT = 'waypointer/1';

const ACTOR_COMMENT = /^waypointer\/\d+ \(actor=([^()\s]*)\)$/;

/**
 * The User-Agent of a write made on behalf of `actor`.
 *
 * @example
 * ```ts
 * actorUserAgent('arn:aws:iam::123456789012:user/alice');
 * // 'waypointer/1 (actor=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Falice)'
 * ```
 */
export function actorUserAgent(actor: string): string {
  // Percent-encoded, parentheses too: they would close the User-Agent comment (RFC 9110 §10.1.5).
  const encoded = encodeURIComponent(actor).replace(
    /[()]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${USER_AGENT_PRODUCT} (actor=${encoded})`;
}

/** The actor a waypointer User-Agent names; undefined for any other User-Agent. */
export function actorFromUserAgent(userAgent: string | undefined): string | undefined {
  const encoded = userAgent === undefined ? undefined : ACTOR_COMMENT.exec(userAgent)?.[1];
  if (encoded === undefined || encoded === '') return undefined;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

/** The fields of an audit event that say who made a change. */
export interface AuditActor {
  readonly user?: { readonly username?: string };
  readonly userAgent?: string;
}

/**
 * Who made the change an audit event records: the caller waypointer wrote for, when the writer is
 * one of `identities` (waypointer's own usernames in that cluster) and its User-Agent names one;
 * otherwise the user the API server authenticated; null when the event names none.
 *
 * @example
 * ```ts
 * actorOf({ user: { username: 'waypointer' }, userAgent: actorUserAgent('alice') }, ['waypointer']); // 'alice'
 * actorOf({ user: { username: 'mallory' }, userAgent: actorUserAgent('alice') }, ['waypointer']);    // 'mallory'
 * ```
 */
export function actorOf(event: AuditActor, identities: readonly string[]): string | null {
  const username = event.user?.username;
  if (username === undefined) return null;
  if (!identities.includes(username)) return username;
  return actorFromUserAgent(event.userAgent) ?? username;
}
