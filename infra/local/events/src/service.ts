/**
 * The EventBridge operations without HTTP: PutEvents (validation, per-entry results, the request
 * size limit), rules that match events by pattern and deliver the event envelope to a target,
 * the log of every received event and the dead letters of failed deliveries; ListRules and
 * DescribeRule over the rules it holds.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { type EntryFailure, EventsError, entryFailures, errors } from './errors.ts';
import { type EventPattern, matchesPattern, parsePattern } from './pattern.ts';

/** The event a rule's target receives: the envelope EventBridge hands to Lambda. */
export interface EventBridgeEvent<Detail = unknown> {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Detail;
}

/** What a rule delivers matching events to (a local Lambda handler, typically). */
export type EventTarget = (event: EventBridgeEvent) => unknown;

/** A rule: events on its bus that match its pattern go to its target. */
export interface EventRule {
  readonly name: string;
  /** The event bus (default `default`). */
  readonly eventBusName?: string;
  /** The event pattern, as an object or JSON text. */
  readonly pattern: EventPattern | string;
  readonly target: EventTarget;
  readonly description?: string;
}

/** A received event, the bus it was put on and the rules it matched. */
export interface LoggedEvent {
  readonly eventBusName: string;
  readonly event: EventBridgeEvent;
  readonly rules: readonly string[];
}

/** A delivery that failed every attempt, kept as a rule target's dead-letter queue would. */
export interface DeadLetter {
  readonly rule: string;
  readonly ruleArn: string;
  readonly event: EventBridgeEvent;
  readonly errorMessage: string;
  readonly attempts: number;
  readonly time: string;
}

/** Counts since the service started. */
export interface EventsStats {
  /** Events accepted by PutEvents. */
  readonly received: number;
  /** Deliveries to targets that succeeded. */
  readonly delivered: number;
  /** Deliveries that failed every attempt (each one is a dead letter). */
  readonly failed: number;
}

/** Options of the EventBridge service. */
export interface EventsServiceOptions {
  /** The clock, epoch milliseconds (default `Date.now`): event times. */
  readonly now?: () => number;
  /** The region of events and rule ARNs (default `us-east-1`). */
  readonly region?: string;
  /** The account of events and rule ARNs (default `000000000000`). */
  readonly accountId?: string;
  /** Rules to start with (more with {@link EventsService.putRule}). */
  readonly rules?: readonly EventRule[];
  /** A file to append every received event to, one JSON object a line. */
  readonly logFile?: string;
  /** Attempts after a failed delivery before it becomes a dead letter (default 0). */
  readonly retryAttempts?: number;
  /** The PutEvents request limit in bytes, as the service sizes entries (default 1 MiB). */
  readonly maxRequestBytes?: number;
  /** Told of every dead letter (default: one JSON line on stderr). */
  readonly onDeadLetter?: (letter: DeadLetter) => void;
}

/** An operation's JSON output. */
export type Output = Record<string, unknown>;

type Input = Record<string, unknown>;

interface StoredRule {
  readonly name: string;
  readonly arn: string;
  readonly eventBusName: string;
  readonly pattern: EventPattern;
  readonly target: EventTarget;
  readonly description: string | undefined;
}

/** Since January 2026 an EventBridge event bus takes PutEvents requests up to 1 MiB. */
export const MAX_REQUEST_BYTES = 1024 * 1024;
const MAX_ENTRIES = 10;

function wrongType(name: string, expected: string): EventsError {
  return errors.serialization(`Unexpected value for ${name}: expected ${expected}.`);
}

function optionalString(input: Input, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw wrongType(name, 'a string');
  return value;
}

function stringList(input: Input, name: string): string[] {
  const value = input[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw wrongType(name, 'a list of strings');
  }
  return value as string[];
}

function optionalNumber(input: Input, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw wrongType(name, 'a timestamp');
  return value;
}

/** A bus name from a name or an ARN (`arn:aws:events:<region>:<account>:event-bus/<name>`). */
export function busName(nameOrArn: string | undefined): string {
  if (nameOrArn === undefined || nameOrArn === '') return 'default';
  const match = /^arn:aws[\w-]*:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
  return match === null ? nameOrArn : (match[1] as string);
}

/** EventBridge's time format: ISO 8601 to the second. */
function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** An entry's size as the service counts it ("Calculating PutEvents event entry size"). */
function entrySize(entry: Input): number {
  const bytes = (value: unknown): number =>
    typeof value === 'string' ? Buffer.byteLength(value) : 0;
  let size = entry.Time === undefined || entry.Time === null ? 0 : 14;
  size += bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail);
  if (Array.isArray(entry.Resources)) for (const r of entry.Resources) size += bytes(r);
  return size;
}

/** The checked members of one PutEvents entry. */
interface Entry {
  readonly source: string | undefined;
  readonly detailType: string | undefined;
  readonly detail: string | undefined;
  readonly eventBusName: string;
  readonly resources: string[];
  readonly time: number | undefined;
}

function readEntry(entry: unknown): Entry {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw wrongType('Entries', 'a list of structures');
  }
  const input = entry as Input;
  optionalString(input, 'TraceHeader');
  return {
    source: optionalString(input, 'Source'),
    detailType: optionalString(input, 'DetailType'),
    detail: optionalString(input, 'Detail'),
    eventBusName: busName(optionalString(input, 'EventBusName')),
    resources: stringList(input, 'Resources'),
    time: optionalNumber(input, 'Time'),
  };
}

/** The detail of an entry as an object, or why the entry fails. */
function detailOf(entry: Entry): Record<string, unknown> | EntryFailure {
  if (!entry.source) return entryFailures.required('Source');
  if (!entry.detailType) return entryFailures.required('DetailType');
  if (!entry.detail) return entryFailures.required('Detail');
  try {
    const detail: unknown = JSON.parse(entry.detail);
    if (typeof detail === 'object' && detail !== null && !Array.isArray(detail)) {
      return detail as Record<string, unknown>;
    }
  } catch {
    // falls through: not JSON
  }
  return entryFailures.malformedDetail();
}

function isFailure(value: unknown): value is EntryFailure {
  return typeof value === 'object' && value !== null && 'ErrorCode' in value;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The EventBridge service behind the endpoint.
 *
 * @example
 * ```ts
 * const events = new EventsService({
 *   rules: [{ name: 'audit', pattern: { source: ['com.example.k8s-audit'] }, target: handler }],
 * });
 * await events.call('PutEvents', { Entries: [{ Source: 'com.example.k8s-audit', DetailType: 'x', Detail: '{}' }] });
 * await events.settled();
 * events.events(); // [{ eventBusName: 'default', event: {...}, rules: ['audit'] }]
 * ```
 */
export class EventsService {
  readonly #now: () => number;
  readonly #region: string;
  readonly #account: string;
  readonly #logFile: string | undefined;
  readonly #retryAttempts: number;
  readonly #maxRequestBytes: number;
  readonly #onDeadLetter: (letter: DeadLetter) => void;
  readonly #rules = new Map<string, StoredRule>();
  readonly #events: LoggedEvent[] = [];
  readonly #deadLetters: DeadLetter[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #delivered = 0;

  /**
   * @example
   * ```ts
   * const events = new EventsService({ region: 'eu-west-1', logFile: '.local/events.jsonl' });
   * ```
   */
  constructor(options: EventsServiceOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#region = options.region ?? 'us-east-1';
    this.#account = options.accountId ?? '000000000000';
    this.#logFile = options.logFile;
    this.#retryAttempts = options.retryAttempts ?? 0;
    this.#maxRequestBytes = options.maxRequestBytes ?? MAX_REQUEST_BYTES;
    this.#onDeadLetter =
      options.onDeadLetter ??
      ((letter): void => {
        process.stderr.write(
          `${JSON.stringify({ level: 'ERROR', message: 'event delivery failed', rule: letter.rule, eventId: letter.event.id, error: letter.errorMessage })}\n`,
        );
      });
    for (const rule of options.rules ?? []) this.putRule(rule);
  }

  /**
   * Adds a rule, or replaces the rule of that name on that bus; returns its ARN. An invalid
   * pattern throws InvalidEventPatternException.
   *
   * @example
   * ```ts
   * events.putRule({ name: 'audit', pattern: { 'detail-type': ['Kubernetes Audit Event'] }, target });
   * // 'arn:aws:events:us-east-1:000000000000:rule/audit'
   * ```
   */
  putRule(rule: EventRule): string {
    const eventBusName = busName(rule.eventBusName);
    const path = eventBusName === 'default' ? rule.name : `${eventBusName}/${rule.name}`;
    const stored: StoredRule = {
      name: rule.name,
      arn: `arn:aws:events:${this.#region}:${this.#account}:rule/${path}`,
      eventBusName,
      pattern: parsePattern(rule.pattern),
      target: rule.target,
      description: rule.description,
    };
    this.#rules.set(`${eventBusName}/${rule.name}`, stored);
    return stored.arn;
  }

  /**
   * Every event PutEvents accepted, oldest first.
   *
   * @example
   * ```ts
   * events.events().map((e) => e.event['detail-type']);
   * ```
   */
  events(): readonly LoggedEvent[] {
    return [...this.#events];
  }

  /**
   * The deliveries that failed every attempt, oldest first.
   *
   * @example
   * ```ts
   * expect(events.deadLetters()).toEqual([]);
   * ```
   */
  deadLetters(): readonly DeadLetter[] {
    return [...this.#deadLetters];
  }

  /**
   * Counts of received events, deliveries and failed deliveries.
   *
   * @example
   * ```ts
   * events.stats(); // { received: 3, delivered: 2, failed: 1 }
   * ```
   */
  stats(): EventsStats {
    return {
      received: this.#events.length,
      delivered: this.#delivered,
      failed: this.#deadLetters.length,
    };
  }

  /**
   * Resolves when every delivery under way (also those they cause) has ended.
   *
   * @example
   * ```ts
   * await client.send(new PutEventsCommand({ Entries }));
   * await events.settled();
   * ```
   */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  /**
   * Runs an operation (`PutEvents`, `ListRules`, `DescribeRule`) on its JSON input.
   *
   * @example
   * ```ts
   * await events.call('ListRules', { NamePrefix: 'audit' });
   * ```
   */
  async call(operation: string, input: Input): Promise<Output> {
    switch (operation) {
      case 'PutEvents':
        return this.#putEvents(input);
      case 'ListRules':
        return this.#listRules(input);
      case 'DescribeRule':
        return this.#describeRule(input);
      default:
        throw errors.unknownOperation();
    }
  }

  #putEvents(input: Input): Output {
    const list = input.Entries;
    if (list === undefined || list === null) throw errors.missing('entries');
    if (!Array.isArray(list)) throw wrongType('Entries', 'a list');
    if (list.length < 1 || list.length > MAX_ENTRIES) {
      throw errors.length('entries', JSON.stringify(list), 1, MAX_ENTRIES, list.length);
    }
    const entries = list.map(readEntry);
    const size = (list as Input[]).reduce((total, entry) => total + entrySize(entry), 0);
    if (size > this.#maxRequestBytes) throw errors.requestTooLarge();
    const results = entries.map((entry) => this.#accept(entry));
    return {
      FailedEntryCount: results.filter(isFailure).length,
      Entries: results,
    };
  }

  #accept(entry: Entry): EntryFailure | { EventId: string } {
    const detail = detailOf(entry);
    if (isFailure(detail)) return detail;
    const event: EventBridgeEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.detailType as string,
      source: entry.source as string,
      account: this.#account,
      time: isoSeconds(entry.time === undefined ? this.#now() : entry.time * 1000),
      region: this.#region,
      resources: entry.resources,
      detail,
    };
    const matched = [...this.#rules.values()].filter(
      (rule) => rule.eventBusName === entry.eventBusName && matchesPattern(rule.pattern, event),
    );
    const logged: LoggedEvent = {
      eventBusName: entry.eventBusName,
      event,
      rules: matched.map((rule) => rule.name),
    };
    this.#events.push(logged);
    if (this.#logFile !== undefined) appendFileSync(this.#logFile, `${JSON.stringify(logged)}\n`);
    for (const rule of matched) this.#track(this.#deliver(rule, event));
    return { EventId: event.id };
  }

  #track(delivery: Promise<void>): void {
    this.#inFlight.add(delivery);
    void delivery.finally(() => this.#inFlight.delete(delivery));
  }

  async #deliver(rule: StoredRule, event: EventBridgeEvent): Promise<void> {
    // Deliveries are asynchronous, as EventBridge's are: PutEvents has answered already.
    await Promise.resolve();
    let lastError: unknown;
    const attempts = 1 + this.#retryAttempts;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await rule.target(structuredClone(event));
        this.#delivered++;
        return;
      } catch (error) {
        lastError = error;
      }
    }
    const letter: DeadLetter = {
      rule: rule.name,
      ruleArn: rule.arn,
      event,
      errorMessage: errorMessage(lastError),
      attempts,
      time: new Date(this.#now()).toISOString(),
    };
    this.#deadLetters.push(letter);
    this.#onDeadLetter(letter);
  }

  #rulesOn(eventBusName: string): StoredRule[] {
    return [...this.#rules.values()]
      .filter((rule) => rule.eventBusName === eventBusName)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  #describe(rule: StoredRule): Output {
    return {
      Name: rule.name,
      Arn: rule.arn,
      EventPattern: JSON.stringify(rule.pattern),
      State: 'ENABLED',
      ...(rule.description === undefined ? {} : { Description: rule.description }),
      EventBusName: rule.eventBusName,
    };
  }

  #listRules(input: Input): Output {
    const prefix = optionalString(input, 'NamePrefix') ?? '';
    const limit = optionalNumber(input, 'Limit') ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new EventsError(
        'ValidationException',
        400,
        `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value ${limit < 1 ? 'greater than or equal to 1' : 'less than or equal to 100'}`,
      );
    }
    const token = optionalString(input, 'NextToken');
    const start = token === undefined ? 0 : Number.parseInt(token, 10);
    if (!Number.isInteger(start) || start < 0) {
      throw new EventsError('ValidationException', 400, 'The NextToken is not valid.');
    }
    const rules = this.#rulesOn(busName(optionalString(input, 'EventBusName'))).filter((rule) =>
      rule.name.startsWith(prefix),
    );
    const page = rules.slice(start, start + limit);
    return {
      Rules: page.map((rule) => this.#describe(rule)),
      ...(start + limit < rules.length ? { NextToken: String(start + limit) } : {}),
    };
  }

  #describeRule(input: Input): Output {
    const name = optionalString(input, 'Name');
    if (name === undefined) throw errors.missing('name');
    const eventBusName = busName(optionalString(input, 'EventBusName'));
    const rule = this.#rules.get(`${eventBusName}/${name}`);
    if (rule === undefined) {
      throw errors.resourceNotFound(`Rule ${name} does not exist on EventBus ${eventBusName}.`);
    }
    return { ...this.#describe(rule), CreatedBy: this.#account };
  }
}
