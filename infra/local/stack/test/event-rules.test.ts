/**
 * The EventBridge rules of serverless.yml: read with the CloudFormation tags as opaque values,
 * variables resolved, rules named as osls names them, what the embedded endpoint cannot reproduce
 * listed with the reason; and the table of local targets those rules deliver to.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { EventsService } from '@waypointer/events-endpoint';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { PipelineDeps } from '../../../../shared/app/pipeline.ts';
import { declaredRules, readDeclaredRules } from '../src/event-rules.ts';
import {
  eventRules,
  type FunctionDeps,
  LOCAL_EVENT_TARGETS,
  type LocalHandler,
} from '../src/event-targets.ts';

const YML = `
service: shop
provider:
  name: aws
  stage: \${opt:stage, 'test'}
  environment:
    TABLE: !Ref Table
    QUEUE: !GetAtt Queue.Arn
    JOINED: !Join [':', [a, b]]
    SUBBED: !Sub { x: y }
custom:
  source: com.example.orders
functions:
  orders:
    handler: functions/orders/handler.handler
    events:
      - httpApi: { method: GET, path: /orders }
      - eventBridge:
          pattern:
            source:
              - \${self:custom.source}
            detail-type: [Order Placed]
            detail:
              total:
                - numeric:
                    - '>'
                    - \${param:minimum, 100}
      - eventBridge:
          name: \${self:service}-\${sls:stage}-on-bus
          retryPolicy: { maximumRetryAttempts: 185 }
          deadLetterQueueArn: !GetAtt OrdersDLQ.Arn
          eventBus: arn:aws:events:eu-west-1:123456789012:event-bus/shop
          pattern:
            source:
              - \${param:auditSource, "com.example.k8s-audit"}
  nightly:
    handler: functions/nightly/handler.handler
    events:
      - eventBridge: { schedule: rate(1 day) }
      - eventBridge:
          pattern: { source: [a] }
          inputTransformer: { inputTemplate: '{}' }
      - eventBridge:
          enabled: false
          pattern: { source: [a] }
      - eventBridge:
          eventBus: !GetAtt Bus.Name
          pattern: { source: [a] }
      - eventBridge: { input: { a: 1 } }
`;

describe('declaredRules', () => {
  it('reads the eventBridge events of every function as rules, named as osls names them', () => {
    const { rules } = declaredRules(YML);
    expect(rules).toEqual([
      {
        functionName: 'orders',
        name: 'shop-test-orders-rule-1',
        eventBusName: 'default',
        pattern: {
          source: ['com.example.orders'],
          'detail-type': ['Order Placed'],
          detail: { total: [{ numeric: ['>', 100] }] },
        },
      },
      {
        functionName: 'orders',
        name: 'shop-test-on-bus',
        eventBusName: 'shop',
        pattern: { source: ['com.example.k8s-audit'] },
      },
    ]);
  });

  it('lists what it cannot serve, with the reason', () => {
    expect(declaredRules(YML).unserved).toEqual([
      { functionName: 'nightly', index: 1, reason: 'a schedule, not an event pattern' },
      {
        functionName: 'nightly',
        index: 2,
        reason: 'inputTransformer changes what the target receives; not reproduced',
      },
      { functionName: 'nightly', index: 3, reason: 'the rule is disabled' },
      { functionName: 'nightly', index: 4, reason: 'the event bus is a CloudFormation reference' },
      { functionName: 'nightly', index: 5, reason: 'no event pattern' },
    ]);
  });

  it('takes parameters given, over the defaults', () => {
    const { rules } = declaredRules(YML, { auditSource: 'com.acme.audit' });
    expect(rules[1]?.pattern).toEqual({ source: ['com.acme.audit'] });
  });

  const bridged = (source: string): string =>
    `service: x\nfunctions:\n  f:\n    events:\n      - eventBridge:\n          pattern: { source: ['${source}'] }\n`;
  /** A Serverless variable, `$` `{inner}` (kept out of string literals the linter reads as templates). */
  const variable = (inner: string): string => ['$', '{', inner, '}'].join('');

  it.each([
    [
      'a variable without a default',
      bridged(variable('param:nope')),
      `cannot resolve ${variable('param:nope')} (give it a default)`,
    ],
    [
      'a default that is not a literal',
      bridged(variable('opt:a, b')),
      `cannot resolve ${variable('opt:a, b')}`,
    ],
    ['text that is not YAML', 'service: [x\n', 'serverless.yml: '],
  ])('refuses %s', (_name, text, message) => {
    expect(() => declaredRules(text)).toThrow(message);
  });

  it("finds audit-ingest's audit rule in the repository's serverless.yml", async () => {
    const { rules } = await readDeclaredRules();
    expect(rules).toContainEqual({
      functionName: 'auditIngest',
      name: 'waypointer-dev-auditIngest-rule-1',
      eventBusName: 'default',
      pattern: { source: ['com.example.k8s-audit'], 'detail-type': ['Kubernetes Audit Event'] },
    });
    // Every function serverless.yml targets with an EventBridge rule runs locally too.
    expect(rules.filter((rule) => LOCAL_EVENT_TARGETS[rule.functionName] === undefined)).toEqual(
      [],
    );
  });

  it("finds eventbridge-command's rule too, its name resolved from self: and sls:stage", async () => {
    const { rules } = await readDeclaredRules(undefined, { commandSource: 'com.acme.ops' });
    expect(rules).toContainEqual({
      functionName: 'eventbridgeCommand',
      name: 'waypointer-dev-commands',
      eventBusName: 'default',
      pattern: { source: ['com.acme.ops'], 'detail-type': ['waypointer.command'] },
    });
  });
});

describe('eventRules', () => {
  const logged: unknown[][] = [];
  const logger = new Logger({ serviceName: 'test', logLevel: 'CRITICAL' });
  logger.warn = (...args: unknown[]): void => void logged.push(args);
  const deps = {
    logger,
    metrics: new Metrics({ namespace: 'test', serviceName: 'test' }),
  } as unknown as FunctionDeps & PipelineDeps;
  const declared = declaredRules(YML).rules;

  it('delivers each rule to its function, built once, as Lambda invokes it', async () => {
    const calls: [unknown, Context][] = [];
    let built = 0;
    const handler: LocalHandler = async (event, context) => {
      calls.push([event, context]);
    };
    const rules = eventRules(declared, deps, {
      orders: () => {
        built++;
        return handler;
      },
    });
    expect(built).toBe(1);
    const events = new EventsService({ rules });
    const out = await events.call('PutEvents', {
      Entries: [
        {
          Source: 'com.example.orders',
          DetailType: 'Order Placed',
          Detail: '{"total": 250}',
        },
        {
          Source: 'com.example.k8s-audit',
          DetailType: 'x',
          Detail: '{}',
          EventBusName: 'shop',
        },
        { Source: 'com.example.orders', DetailType: 'Order Placed', Detail: '{"total": 50}' },
      ],
    });
    await events.settled();
    expect(out.FailedEntryCount).toBe(0);
    expect(calls.map(([event]) => (event as { detail: unknown }).detail)).toEqual([
      { total: 250 },
      {},
    ]);
    expect(calls[0]?.[1].functionName).toBe('waypointer-orders');
    expect(events.deadLetters()).toEqual([]);
  });

  it('fails the deliveries of a function without a local handler, loudly, naming the table', async () => {
    const rules = eventRules(declared, deps, {});
    expect(logged).toContainEqual([
      'an EventBridge rule targets a function the local stack does not run',
      { rule: 'shop-test-orders-rule-1', function: 'orders' },
    ]);
    const letters: string[] = [];
    const events = new EventsService({ rules, onDeadLetter: (l) => letters.push(l.errorMessage) });
    await events.call('PutEvents', {
      Entries: [
        { Source: 'com.example.orders', DetailType: 'Order Placed', Detail: '{"total": 101}' },
      ],
    });
    await events.settled();
    expect(letters).toEqual([
      'function orders has no local handler: add it to LOCAL_EVENT_TARGETS in infra/local/stack/src/event-targets.ts',
    ]);
  });
});
