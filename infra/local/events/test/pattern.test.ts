/**
 * Event pattern matching, table-tested on the examples of the EventBridge User Guide ("Event
 * patterns", "Content filtering in Amazon EventBridge event patterns", "Matching null values and
 * empty strings") and of Event Ruler's README, the library behind EventBridge.
 */
import { describe, expect, it } from 'vitest';
import { EventsError } from '../src/errors.ts';
import { matchesPattern, parsePattern } from '../src/pattern.ts';

/** The User Guide's example event (EC2 instance state change, with content-filtering fields). */
const EC2 = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: {
    'instance-id': 'i-1234567890abcdef0',
    state: 'terminated',
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
  },
};

/** The User Guide's null and empty-string example. */
const NULLS = {
  ...EC2,
  'detail-type': 'EC2 Instance Launch Successful',
  source: 'aws.autoscaling',
  resources: [],
  detail: { eventVersion: '', responseElements: null },
};

/** Event Ruler's array-consistency example. */
const EMPLOYEES = {
  employees: [
    { firstName: 'John', lastName: 'Doe' },
    { firstName: 'Anna', lastName: 'Smith' },
    { firstName: 'Peter', lastName: 'Jones' },
  ],
};

describe('matching (the documented examples)', () => {
  it.each([
    // Exact values, several fields (and), several values (or), nested fields.
    ['one source', { source: ['aws.ec2'] }, EC2, true],
    ['another source', { source: ['aws.s3'] }, EC2, false],
    ['one of two values', { source: ['aws.s3', 'aws.ec2'] }, EC2, true],
    [
      'source and detail-type',
      { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] },
      EC2,
      true,
    ],
    ['all fields must match', { source: ['aws.ec2'], 'detail-type': ['x'] }, EC2, false],
    ['nested field', { detail: { state: ['terminated', 'running'] } }, EC2, true],
    ['nested field, other value', { detail: { state: ['pending'] } }, EC2, false],
    ['missing field', { detail: { color: ['red'] } }, EC2, false],
    ['an empty pattern matches everything', {}, EC2, true],
    ['an empty list matches nothing', { source: [] }, EC2, false],
    // Arrays in events: the event matches when any element does.
    [
      'event array, one element matches',
      { resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'] },
      EC2,
      true,
    ],
    ['event array, none matches', { resources: ['arn:aws:s3:::bucket'] }, EC2, false],
    ['empty event array is an absent field', { resources: [{ exists: false }] }, NULLS, true],
    // Values by JSON type: numbers numerically, strings as strings.
    ['number', { detail: { 'c-count': [5] } }, EC2, true],
    ['number in exponent form', { detail: { 'x-limit': [3.018e2] } }, EC2, true],
    ['a string is not a number', { detail: { 'c-count': ['5'] } }, EC2, false],
    // Null and empty strings are values, and not interchangeable.
    ['empty string', { detail: { eventVersion: [''] } }, NULLS, true],
    ['null', { detail: { responseElements: [null] } }, NULLS, true],
    ['null does not match an empty string', { detail: { eventVersion: [null] } }, NULLS, false],
    ['an empty string does not match null', { detail: { responseElements: [''] } }, NULLS, false],
    ['null does not match a missing field', { detail: { other: [null] } }, NULLS, false],
    // Prefix, suffix, equals-ignore-case, wildcard.
    ['prefix', { time: [{ prefix: '2017-12-22' }] }, EC2, true],
    ['prefix, no match', { time: [{ prefix: '2017-10-02' }] }, EC2, false],
    ['prefix ignoring case', { source: [{ prefix: { 'equals-ignore-case': 'AWS.' } }] }, EC2, true],
    ['suffix', { source: [{ suffix: 'ec2' }] }, EC2, true],
    ['suffix ignoring case', { source: [{ suffix: { 'equals-ignore-case': 'EC2' } }] }, EC2, true],
    ['prefix on a number', { detail: { 'c-count': [{ prefix: '5' }] } }, EC2, false],
    [
      'equals-ignore-case',
      { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] },
      EC2,
      true,
    ],
    ['wildcard', { resources: [{ wildcard: 'arn:aws:ec2:*:instance/*' }] }, EC2, true],
    ['wildcard, no match', { resources: [{ wildcard: 'arn:aws:s3:*' }] }, EC2, false],
    ['wildcard star matches nothing too', { source: [{ wildcard: 'aws.ec2*' }] }, EC2, true],
    // Anything-but.
    [
      'anything-but a value',
      { detail: { state: [{ 'anything-but': 'initializing' }] } },
      EC2,
      true,
    ],
    [
      'anything-but that value',
      { detail: { state: [{ 'anything-but': 'terminated' }] } },
      EC2,
      false,
    ],
    ['anything-but a number', { detail: { 'c-count': [{ 'anything-but': 123 }] } }, EC2, true],
    [
      'anything-but a list',
      { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
      EC2,
      true,
    ],
    [
      'anything-but a list with the value',
      { detail: { 'c-count': [{ 'anything-but': [100, 5, 300] }] } },
      EC2,
      false,
    ],
    [
      'anything-but a prefix',
      { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
      EC2,
      true,
    ],
    [
      'anything-but the prefix',
      { detail: { state: [{ 'anything-but': { prefix: 'term' } }] } },
      EC2,
      false,
    ],
    [
      'anything-but a suffix',
      { detail: { state: [{ 'anything-but': { suffix: 'ated' } }] } },
      EC2,
      false,
    ],
    [
      'anything-but ignoring case',
      {
        detail: {
          state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'TERMINATED'] } }],
        },
      },
      EC2,
      false,
    ],
    [
      'anything-but a wildcard',
      { source: [{ 'anything-but': { wildcard: 'aws.s*' } }] },
      EC2,
      true,
    ],
    [
      'anything-but needs the field',
      { detail: { color: [{ 'anything-but': 'red' }] } },
      EC2,
      false,
    ],
    // Numeric ranges.
    ['numeric range', { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } }, EC2, true],
    ['numeric upper bound', { detail: { 'd-count': [{ numeric: ['<', 10] }] } }, EC2, true],
    ['numeric equal', { detail: { 'x-limit': [{ numeric: ['=', 3.018e2] }] } }, EC2, true],
    ['numeric out of range', { detail: { 'c-count': [{ numeric: ['>', 5] }] } }, EC2, false],
    ['numeric, >=', { detail: { 'c-count': [{ numeric: ['>=', 5, '<', 6] }] } }, EC2, true],
    ['numeric on a string', { detail: { state: [{ numeric: ['>', 0] }] } }, EC2, false],
    // IP addresses.
    ['cidr', { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, EC2, true],
    ['cidr, outside', { detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }, EC2, false],
    ['cidr on a non-address', { detail: { state: [{ cidr: '10.0.0.0/8' }] } }, EC2, false],
    // Exists: on leaves only.
    ['exists', { detail: { 'c-count': [{ exists: true }] } }, EC2, true],
    ['exists, absent', { detail: { color: [{ exists: true }] } }, EC2, false],
    ['does not exist', { detail: { color: [{ exists: false }] } }, EC2, true],
    ['does not exist, present', { detail: { 'c-count': [{ exists: false }] } }, EC2, false],
    ['a null value exists', { detail: { responseElements: [{ exists: true }] } }, NULLS, true],
    ['exists is for leaves: an object does not', { detail: [{ exists: true }] }, EC2, false],
    ['not-exists under a missing parent', { extra: { x: [{ exists: false }] } }, EC2, true],
    // The complex example of the content-filtering page.
    [
      'complex',
      {
        time: [{ prefix: '2017-12-22' }],
        detail: {
          state: [{ 'anything-but': 'initializing' }],
          'c-count': [{ numeric: ['>', 0, '<=', 5] }],
          'd-count': [{ numeric: ['<', 10] }],
          'x-limit': [{ 'anything-but': [100, 200, 300] }],
          'source-ip': [{ cidr: '10.0.0.0/8' }],
        },
      },
      EC2,
      true,
    ],
    // $or, at the top and nested.
    [
      '$or, second branch',
      {
        $or: [
          { source: ['aws.s3'] },
          { 'detail-type': ['EC2 Instance State-change Notification'] },
        ],
      },
      EC2,
      true,
    ],
    ['$or, no branch', { $or: [{ source: ['aws.s3'] }, { region: ['eu-west-1'] }] }, EC2, false],
    [
      '$or inside detail',
      {
        detail: {
          $or: [
            { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
            { 'd-count': [{ numeric: ['<', 10] }] },
            { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
          ],
        },
      },
      EC2,
      true,
    ],
    [
      '$or with an and inside',
      {
        source: ['aws.ec2'],
        $or: [{ region: ['eu-west-1'] }, { region: ['us-west-1'], account: ['111122223333'] }],
      },
      EC2,
      true,
    ],
    // Objects inside arrays, one element at a time.
    ['a field inside an array of objects', { employees: { firstName: ['Anna'] } }, EMPLOYEES, true],
    [
      'two fields of one element',
      { employees: { firstName: ['Anna'], lastName: ['Smith'] } },
      EMPLOYEES,
      true,
    ],
    [
      'two fields of two elements never match together',
      { employees: { firstName: ['Anna'], lastName: ['Jones'] } },
      EMPLOYEES,
      false,
    ],
  ])('%s', (_name, pattern, event, expected) => {
    expect(matchesPattern(parsePattern(pattern), event)).toBe(expected);
  });

  it('matches an array leaf when one element passes a filter', () => {
    const event = { detail: { tags: ['alpha', 'beta'] } };
    expect(matchesPattern({ detail: { tags: [{ prefix: 'be' }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { tags: [{ 'anything-but': 'alpha' }] } }, event)).toBe(true);
    expect(
      matchesPattern({ detail: { tags: [{ 'anything-but': ['alpha', 'beta'] }] } }, event),
    ).toBe(false);
  });

  it('reads a pattern given as JSON text, as rules carry it', () => {
    const pattern = parsePattern('{"source":["aws.ec2"],"detail":{"state":["terminated"]}}');
    expect(matchesPattern(pattern, EC2)).toBe(true);
  });

  it('treats an escaped star as a star in a wildcard', () => {
    expect(matchesPattern({ name: [{ wildcard: 'a\\*b' }] }, { name: 'a*b' })).toBe(true);
    expect(matchesPattern({ name: [{ wildcard: 'a\\*b' }] }, { name: 'axb' })).toBe(false);
  });
});

describe('pattern validation (InvalidEventPatternException)', () => {
  it.each([
    ['not JSON', '{"source": ', 'Filter is not valid JSON'],
    ['not an object', '["aws.ec2"]', 'Filter is not an object'],
    ['a leaf that is not a list', { source: 'aws.ec2' }, '"source" must be an object or an array'],
    ['a list of lists', { source: [['aws.ec2']] }, 'Match value must be String'],
    ['an unknown filter', { source: [{ contains: 'ec2' }] }, 'Unrecognized match type contains'],
    ['two filters in one object', { source: [{ prefix: 'a', suffix: 'b' }] }, 'Unrecognized'],
    ['prefix of a number', { source: [{ prefix: 5 }] }, 'prefix match pattern must be a string'],
    ['exists of a string', { source: [{ exists: 'yes' }] }, 'must be either true or false'],
    ['numeric with a bad operator', { n: [{ numeric: ['!=', 1] }] }, 'Unrecognized numeric range'],
    ['numeric without an operand', { n: [{ numeric: ['>'] }] }, 'operator, value pairs'],
    ['numeric with a string operand', { n: [{ numeric: ['>', '1'] }] }, 'must be numeric'],
    ['two lower bounds', { n: [{ numeric: ['>', 1, '>=', 2] }] }, 'Bad numeric range'],
    ['anything-but of mixed types', { s: [{ 'anything-but': ['a', 1] }] }, 'anything-but'],
    ['anything-but of null', { s: [{ 'anything-but': null }] }, 'anything-but'],
    [
      'anything-but of a numeric',
      { s: [{ 'anything-but': { numeric: ['>', 1] } }] },
      'anything-but',
    ],
    ['consecutive wildcards', { s: [{ wildcard: 'a**' }] }, 'Consecutive wildcard'],
    ['a CIDR that is not one', { ip: [{ cidr: '10.0.0.0/33' }] }, 'Nonstandard IP address'],
    ['an IPv6 CIDR', { ip: [{ cidr: '2001:db8::/32' }] }, 'Nonstandard IP address'],
  ])('refuses %s', (_name, pattern, reason) => {
    let thrown: unknown;
    try {
      parsePattern(pattern);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EventsError);
    expect(thrown).toMatchObject({ type: 'InvalidEventPatternException', status: 400 });
    expect((thrown as Error).message).toContain('Event pattern is not valid. Reason: ');
    expect((thrown as Error).message).toContain(reason);
  });
});
