/**
 * Who made a change: waypointer names its caller in the User-Agent of its writes, and the audit
 * path believes that only from waypointer's own identities.
 */
import { describe, expect, it } from 'vitest';
import { actorFromUserAgent, actorOf, actorUserAgent } from '../../shared/domain/actor.ts';

const ALICE = 'arn:aws:iam::123456789012:user/alice';
const SLACK = 'slack:T012/U345 (Alice)';

describe('the actor User-Agent', () => {
  it.each([ALICE, SLACK, 'jwt:alice@example.com', 'eventbridge:com.example.gitops', 'ü/(x) y'])(
    'round-trips %s',
    (actor) => {
      const agent = actorUserAgent(actor);
      expect(agent).toMatch(/^waypointer\/1 \(actor=[^()\s]+\)$/);
      expect(actorFromUserAgent(agent)).toBe(actor);
    },
  );

  it.each([
    [undefined],
    ['kubectl/v1.32.0 (linux/amd64) kubernetes/abc'],
    ['waypointer/1'],
    ['waypointer/1 (actor=)'],
    ['waypointer/1 (actor=%E0%A4%A)'],
    ['waypointer/1 (actor=alice) extra'],
    ['xwaypointer/1 (actor=alice)'],
  ])('finds no actor in %j', (agent) => {
    expect(actorFromUserAgent(agent)).toBeUndefined();
  });
});

describe('actorOf an audit event', () => {
  const identities = ['waypointer', 'arn:aws:sts::123456789012:assumed-role/waypointer/api'];

  it.each([
    [
      'waypointer writing for alice',
      { user: { username: 'waypointer' }, userAgent: actorUserAgent(ALICE) },
      ALICE,
    ],
    [
      'waypointer as an assumed role',
      { user: { username: identities[1] }, userAgent: actorUserAgent(SLACK) },
      SLACK,
    ],
    [
      'someone else claiming to write for alice',
      { user: { username: 'mallory' }, userAgent: actorUserAgent(ALICE) },
      'mallory',
    ],
    [
      'waypointer without an actor',
      { user: { username: 'waypointer' }, userAgent: 'waypointer/1' },
      'waypointer',
    ],
    [
      'a user with kubectl',
      { user: { username: 'kubernetes-admin' }, userAgent: 'kubectl/v1.32.0' },
      'kubernetes-admin',
    ],
    ['no user', { userAgent: actorUserAgent(ALICE) }, null],
  ])('%s', (_name, event, actor) => {
    expect(actorOf(event, identities)).toBe(actor);
  });

  it('believes no User-Agent when no identity is configured', () => {
    expect(
      actorOf({ user: { username: 'waypointer' }, userAgent: actorUserAgent(ALICE) }, []),
    ).toBe('waypointer');
  });
});
