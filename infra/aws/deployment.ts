/**
 * The parts of the CloudFormation template that follow from the configuration document: one IAM
 * role per function with the actions its code sends on the resources it sends them to, a CloudWatch
 * Logs subscription and an EKS access entry per configured EKS cluster of the stack's region, the
 * SNS FIFO topic of binding changes with a queue and DLQ per consumer when the document names
 * consumers (ADR 0015), and the alarms. `serverless.yml` merges them through infra/aws/osls.js;
 * test/deploy checks them.
 */
import type { DeploymentConfig, EksClusterRef } from '../../shared/config.ts';

/** A CloudFormation value: a literal or an intrinsic function. */
export type Value = string | Readonly<Record<string, unknown>>;

/** One IAM policy statement. */
export interface Statement {
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: Value | readonly Value[];
  readonly Condition?: Readonly<Record<string, unknown>>;
}

/** A CloudFormation resource. */
export interface Resource {
  readonly Type: string;
  readonly Properties: Readonly<Record<string, unknown>>;
  readonly DependsOn?: readonly string[];
}

/** Where the stack goes and what it is called. */
export interface StackSettings {
  readonly service: string;
  readonly stage: string;
  readonly region: string;
  /** The event bus (name) that eventbridge-command sends its result events to. */
  readonly resultBus: string;
  /** An SNS topic ARN the alarms notify; none when empty. */
  readonly alarmTopic?: string;
}

/** The Kubernetes group of infra/kubernetes/rbac.yaml that the functions' roles are mapped to. */
export const KUBERNETES_GROUP = 'waypointer';

/** What the audit log subscription passes on: audit events of finished requests. */
export const AUDIT_FILTER = '{ $.kind = "Event" && $.stage = "ResponseComplete" }';

const partition = { Ref: 'AWS::Partition' };
const account = { Ref: 'AWS::AccountId' };

/** `arn:<partition>:<service>:<region>:<account>:<resource>` as an Fn::Join. */
export function arn(
  service: string,
  resource: Value,
  region: Value = { Ref: 'AWS::Region' },
): Value {
  return {
    'Fn::Join': ['', ['arn:', partition, `:${service}:`, region, ':', account, ':', resource]],
  };
}

const getArn = (logicalId: string): Value => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

/** The `UpperCamelCase` of a serverless.yml function name, as osls names its resources. */
export function upperFirst(name: string): string {
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}

/** The logical id of a function's role (serverless.yml `role:`). */
export const roleOf = (fn: string): string => `${upperFirst(fn)}Role`;

/** A statement that allows `actions` on `resources`. */
const allow = (actions: readonly string[], resources: readonly Value[]): Statement => ({
  Effect: 'Allow',
  Action: actions,
  Resource: resources.length === 1 ? (resources[0] as Value) : resources,
});

/** What a function's code sends, besides what every function needs (logs and traces). */
interface Access {
  /** It reaches the configured clusters: `eks:DescribeCluster`, and an EKS access entry. */
  readonly clusters: boolean;
  readonly statements: (settings: StackSettings, config: DeploymentConfig) => Statement[];
}

/** The SNS FIFO topic of binding changes, in the template only when consumers are configured. */
export const CHANGES_TOPIC = 'BindingChangesTopic';

/**
 * Where reconcile and the sweep publish binding changes: to the topic when the document names
 * consumers (the topic fans out to `binding-changes.fifo` and each consumer's queue), else to
 * `binding-changes.fifo` itself.
 */
const publishChanges = (config: DeploymentConfig): Statement =>
  config.consumers.length > 0
    ? allow(['sns:Publish'], [{ Ref: CHANGES_TOPIC }])
    : allow(SEND, [getArn('BindingChangesQueue')]);

const BINDINGS = getArn('BindingsTable');
const IDEMPOTENCY = getArn('CommandIdempotencyTable');
/** What the binding store sends (shared/adapters/aws/binding-store.ts). */
const BINDING_STORE = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
  'dynamodb:BatchWriteItem',
];
/** What Powertools idempotency sends on its table. */
const IDEMPOTENCY_RECORDS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];
/** What Lambda sends with the role of a function its SQS event source mapping invokes. */
const POLL = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];
const SEND = ['sqs:SendMessage'];

/**
 * Each function's access: the actions test/deploy/iam.test.ts finds its code sending in the
 * integration and end-to-end tests, on the resources it sends them to, plus what Lambda does with
 * its role (polling its queue, its failure destination).
 */
export const ACCESS: Readonly<Record<string, Access>> = {
  httpApi: {
    clusters: true,
    statements: () => [allow(SEND, [getArn('ReconcileRequestsQueue')])],
  },
  auditWebhook: {
    clusters: true,
    statements: () => [allow(SEND, [getArn('ReconcileRequestsQueue')])],
  },
  auditIngest: {
    clusters: true,
    statements: () => [allow(SEND, [getArn('ReconcileRequestsQueue')])],
  },
  reconcile: {
    clusters: true,
    statements: (_, config) => [
      allow(BINDING_STORE, [BINDINGS]),
      publishChanges(config),
      allow(POLL, [getArn('ReconcileRequestsQueue')]),
    ],
  },
  scheduledSweep: {
    clusters: true,
    statements: (_, config) => [allow(BINDING_STORE, [BINDINGS]), publishChanges(config)],
  },
  eventbridgeCommand: {
    clusters: true,
    statements: (settings) => [
      allow(IDEMPOTENCY_RECORDS, [IDEMPOTENCY]),
      {
        ...allow(['events:PutEvents'], [arn('events', `event-bus/${settings.resultBus}`)]),
        Condition: { StringEquals: { 'events:source': 'io.waypointer' } },
      },
      // Lambda sends a failed invocation's record to the failure destination with this role.
      allow(SEND, [getArn('CommandEventsDLQ')]),
    ],
  },
  chatops: {
    clusters: false,
    statements: (settings) => [
      allow(SEND, [getArn('ChatOpsQueue')]),
      // The Slack signing secret, a SecureString under the account's aws/ssm key (ADR 12).
      allow(
        ['ssm:GetParameter'],
        [arn('ssm', `parameter/waypointer/${settings.stage}/slack-signing-secret`)],
      ),
    ],
  },
  chatopsWorker: {
    clusters: true,
    statements: () => [
      allow(IDEMPOTENCY_RECORDS, [IDEMPOTENCY]),
      allow(POLL, [getArn('ChatOpsQueue')]),
    ],
  },
};

/** The EKS clusters of the configuration that are in the stack's region (and those elsewhere). */
export function byRegion(
  config: DeploymentConfig,
  region: string,
): { here: EksClusterRef[]; elsewhere: EksClusterRef[] } {
  return {
    here: config.eksClusters.filter((c) => c.region === region),
    elsewhere: config.eksClusters.filter((c) => c.region !== region),
  };
}

/** A function's role: assumed by Lambda, its own log group, traces, and its access. */
function role(fn: string, access: Access, config: DeploymentConfig, settings: StackSettings) {
  const functionName = `${settings.service}-${settings.stage}-${fn}`;
  const roleName = `${functionName}-${settings.region}`;
  if (roleName.length > 64)
    throw new Error(
      `the role name ${roleName} is longer than IAM's 64 characters: shorten the stage`,
    );
  const clusters = config.eksClusters.map((c) => arn('eks', `cluster/${c.name}`, c.region));
  const statements: Statement[] = [
    allow(
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      [arn('logs', `log-group:/aws/lambda/${functionName}:*`)],
    ),
    // X-Ray has no resource-level permissions for these two actions.
    allow(['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], ['*']),
    ...(access.clusters && clusters.length > 0 ? [allow(['eks:DescribeCluster'], clusters)] : []),
    ...access.statements(settings, config),
  ];
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: roleName,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: ['lambda.amazonaws.com'] },
            Action: ['sts:AssumeRole'],
          },
        ],
      },
      Policies: [
        {
          PolicyName: functionName,
          PolicyDocument: { Version: '2012-10-17', Statement: statements },
        },
      ],
    },
  };
}

/** A logical id fragment for a cluster name (letters and digits), unique in the configuration. */
export function logicalName(cluster: string): string {
  return cluster
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map(upperFirst)
    .join('');
}

/** The subscription of one EKS cluster's audit log group, the permission it needs, its entries. */
function clusterResources(cluster: EksClusterRef): Record<string, Resource> {
  const id = logicalName(cluster.cluster);
  const logGroup = `/aws/eks/${cluster.name}/cluster`;
  const resources: Record<string, Resource> = {
    [`AuditLogPermission${id}`]: {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: getArn('AuditIngestLambdaFunction'),
        Principal: 'logs.amazonaws.com',
        SourceArn: arn('logs', `log-group:${logGroup}:*`),
        SourceAccount: account,
      },
    },
    [`AuditLogSubscription${id}`]: {
      Type: 'AWS::Logs::SubscriptionFilter',
      DependsOn: [`AuditLogPermission${id}`],
      Properties: {
        LogGroupName: logGroup,
        FilterPattern: AUDIT_FILTER,
        DestinationArn: getArn('AuditIngestLambdaFunction'),
      },
    },
  };
  for (const [fn, access] of Object.entries(ACCESS)) {
    if (!access.clusters) continue;
    resources[`AccessEntry${id}${upperFirst(fn)}`] = {
      Type: 'AWS::EKS::AccessEntry',
      Properties: {
        ClusterName: cluster.name,
        PrincipalArn: getArn(roleOf(fn)),
        Type: 'STANDARD',
        KubernetesGroups: [KUBERNETES_GROUP],
      },
    };
  }
  return resources;
}

/** A queue's alarm: any message in it. */
function depthAlarm(queue: string, settings: StackSettings): Resource {
  return alarm(settings, {
    AlarmDescription: `Messages in ${queue}: each is a request or message that failed every retry`,
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
    Statistic: 'Maximum',
  });
}

/** A metric of the functions' own (Powertools, namespace `waypointer`): any count above zero. */
function failureAlarm(metric: string, what: string, settings: StackSettings): Resource {
  return alarm(settings, {
    AlarmDescription: what,
    Namespace: 'waypointer',
    MetricName: metric,
    Dimensions: [{ Name: 'service', Value: 'waypointer' }],
    Statistic: 'Sum',
  });
}

function alarm(settings: StackSettings, properties: Record<string, unknown>): Resource {
  const actions = settings.alarmTopic === undefined ? {} : { AlarmActions: [settings.alarmTopic] };
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      ...properties,
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      ...actions,
    },
  };
}

/** The logical ids of a consumer's queue, its DLQ and its subscription. */
export function consumerIds(consumer: string): {
  queue: string;
  dlq: string;
  subscription: string;
} {
  const id = logicalName(consumer);
  return {
    queue: `ConsumerQueue${id}`,
    dlq: `ConsumerDLQ${id}`,
    subscription: `ConsumerSubscription${id}`,
  };
}

/** SQS's longest queue name. */
const QUEUE_NAME_MAX = 80;

/** A FIFO queue of the stack, named `<service>-<stage>-<name>.fifo`, kept 14 days. */
function fifoQueue(name: string, settings: StackSettings, deadLetter?: string): Resource {
  const queueName = `${settings.service}-${settings.stage}-${name}.fifo`;
  if (queueName.length > QUEUE_NAME_MAX)
    throw new Error(
      `the queue name ${queueName} is longer than SQS's ${QUEUE_NAME_MAX} characters: shorten the consumer's name or the stage`,
    );
  return {
    Type: 'AWS::SQS::Queue',
    Properties: {
      QueueName: queueName,
      FifoQueue: true,
      MessageRetentionPeriod: 1209600,
      ...(deadLetter === undefined
        ? {}
        : { RedrivePolicy: { deadLetterTargetArn: getArn(deadLetter), maxReceiveCount: 10 } }),
    },
  };
}

/** A raw delivery of the topic to a queue; what SNS cannot deliver goes to `dlq`. */
function subscription(queue: string, dlq: string): Resource {
  return {
    Type: 'AWS::SNS::Subscription',
    Properties: {
      TopicArn: { Ref: CHANGES_TOPIC },
      Protocol: 'sqs',
      Endpoint: getArn(queue),
      RawMessageDelivery: true,
      RedrivePolicy: { deadLetterTargetArn: getArn(dlq) },
    },
  };
}

/**
 * The fan-out of binding changes (ADR 0015): an SNS FIFO topic (content-based deduplication off:
 * the publisher gives each message's id as its deduplication id) subscribed by
 * `binding-changes.fifo` and by one FIFO queue per consumer, each with its DLQ, raw delivery, a
 * queue policy letting the topic send, and alarms on the DLQs and on failed notifications.
 */
function fanOutResources(consumers: readonly string[], settings: StackSettings) {
  const resources: Record<string, Resource> = {
    [CHANGES_TOPIC]: {
      Type: 'AWS::SNS::Topic',
      Properties: {
        TopicName: `${settings.service}-${settings.stage}-binding-changes.fifo`,
        FifoTopic: true,
        ContentBasedDeduplication: false,
      },
    },
    BindingChangesSubscription: subscription('BindingChangesQueue', 'BindingChangesDLQ'),
  };
  const queues = ['BindingChangesQueue', 'BindingChangesDLQ'];
  const ids = new Map<string, string>();
  for (const consumer of consumers) {
    const { queue, dlq, subscription: sub } = consumerIds(consumer);
    const taken = ids.get(queue);
    if (taken !== undefined)
      throw new Error(
        `consumers "${taken}" and "${consumer}" would share CloudFormation names (${queue}): rename one`,
      );
    ids.set(queue, consumer);
    resources[dlq] = fifoQueue(`binding-changes-${consumer}-dlq`, settings);
    resources[queue] = fifoQueue(`binding-changes-${consumer}`, settings, dlq);
    resources[sub] = subscription(queue, dlq);
    resources[`${dlq}DepthAlarm`] = depthAlarm(dlq, settings);
    queues.push(queue, dlq);
  }
  resources.BindingChangesTopicQueuePolicy = {
    Type: 'AWS::SQS::QueuePolicy',
    Properties: {
      Queues: queues.map((q) => ({ Ref: q })),
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'sns.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: queues.map(getArn),
            Condition: { ArnEquals: { 'aws:SourceArn': { Ref: CHANGES_TOPIC } } },
          },
        ],
      },
    },
  };
  resources.BindingChangesTopicFailuresAlarm = alarm(settings, {
    AlarmDescription:
      'Binding changes SNS could not deliver to a queue (each went to that subscription’s DLQ)',
    Namespace: 'AWS/SNS',
    MetricName: 'NumberOfNotificationsFailed',
    Dimensions: [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [CHANGES_TOPIC, 'TopicName'] } }],
    Statistic: 'Sum',
  });
  return resources;
}

/**
 * The environment the configuration adds to functions: `WAYPOINTER_CHANGES_TOPIC_ARN` for
 * reconcile and the sweep when consumers are configured; nothing otherwise.
 */
export function functionEnvironment(
  config: DeploymentConfig,
): Record<string, Record<string, Value>> {
  if (config.consumers.length === 0) return {};
  const topic = { WAYPOINTER_CHANGES_TOPIC_ARN: { Ref: CHANGES_TOPIC } };
  return { reconcile: topic, scheduledSweep: topic };
}

/** The dead-letter queues of serverless.yml, by logical id. */
export const DEAD_LETTER_QUEUES = [
  'ReconcileRequestsDLQ',
  'BindingChangesDLQ',
  'ChatOpsDLQ',
  'CommandEventsDLQ',
] as const;

/**
 * The resources that follow from the configuration: roles, per-cluster subscriptions and access
 * entries (clusters of the stack's region), alarms, and the fan-out topic with its consumers'
 * queues when there are consumers.
 *
 * @example
 * deploymentResources(parseDeploymentConfig(text, 'prod.json'), { service: 'waypointer', stage: 'prod', region: 'eu-west-1', resultBus: 'default' });
 */
export function deploymentResources(
  config: DeploymentConfig,
  settings: StackSettings,
): Record<string, Resource> {
  const resources: Record<string, Resource> = {};
  for (const [fn, access] of Object.entries(ACCESS))
    resources[roleOf(fn)] = role(fn, access, config, settings);
  const { here } = byRegion(config, settings.region);
  const ids = new Map<string, string>();
  for (const cluster of here) {
    const id = logicalName(cluster.cluster);
    const taken = ids.get(id);
    if (taken !== undefined)
      throw new Error(
        `clusters "${taken}" and "${cluster.cluster}" would share CloudFormation names (${id}): rename one`,
      );
    ids.set(id, cluster.cluster);
    Object.assign(resources, clusterResources(cluster));
  }
  for (const queue of DEAD_LETTER_QUEUES)
    resources[`${queue}DepthAlarm`] = depthAlarm(queue, settings);
  if (config.consumers.length > 0)
    Object.assign(resources, fanOutResources(config.consumers, settings));
  resources.ReconcileFailuresAlarm = failureAlarm(
    'ReconcileFailures',
    'Reconcile requests that failed (retried, then to the reconcile DLQ)',
    settings,
  );
  resources.SweepFailuresAlarm = failureAlarm(
    'SweepFailures',
    'Clusters the scheduled sweep could not reconcile',
    settings,
  );
  return resources;
}
