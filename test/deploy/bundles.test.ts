/**
 * Each function's bundle, as `osls package` built it: under its size budget, and loadable by a
 * fresh Node 24 process (as Lambda loads it) with the environment the template gives the function,
 * exporting its handler.
 */
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, ROOT, readTemplate, type Template } from './packaged.ts';

/** Bytes a bundle may take: the Slack ingress must start within Slack's 3 s, the rest in budget. */
const BUDGET: Readonly<Record<string, number>> = {
  chatops: 1_000_000,
  default: 3_500_000,
};

let template: Template;

beforeAll(() => {
  template = readTemplate();
});

const upperFirst = (name: string): string => `${name.charAt(0).toUpperCase()}${name.slice(1)}`;

/** The bundle of a function, from its handler (`functions/x/handler.handler`). */
function bundleOf(fn: string): string {
  const resource = template.Resources[`${upperFirst(fn)}LambdaFunction`];
  const handler = String(resource?.Properties.Handler);
  return join(ROOT, '.esbuild/.build', `${handler.slice(0, handler.lastIndexOf('.'))}.mjs`);
}

/** Stand-ins for the values CloudFormation computes (queue URLs, topic ARNs, table names). */
function environmentOf(fn: string): Record<string, string> {
  const { Variables: variables } = (template.Resources[`${upperFirst(fn)}LambdaFunction`]
    ?.Properties.Environment ?? { Variables: {} }) as { Variables: Record<string, unknown> };
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables))
    environment[name] =
      typeof value === 'string'
        ? value
        : name.endsWith('_URL')
          ? `https://sqs.eu-west-1.amazonaws.com/123456789012/${name.toLowerCase()}.fifo`
          : name.endsWith('_TOPIC_ARN')
            ? `arn:aws:sns:eu-west-1:123456789012:${name.toLowerCase()}.fifo`
            : `stand-in-${name.toLowerCase()}`;
  if (environment.SLACK_SIGNING_SECRET_PARAMETER !== undefined) {
    // Read from SSM at cold start when deployed; given directly here, offline.
    delete environment.SLACK_SIGNING_SECRET_PARAMETER;
    environment.SLACK_SIGNING_SECRET = 'stand-in';
  }
  return environment;
}

describe('the bundles', () => {
  it.each(FUNCTIONS)('keeps %s within its size budget', (fn) => {
    const size = statSync(bundleOf(fn)).size;
    expect(size).toBeLessThan(BUDGET[fn] ?? (BUDGET.default as number));
  });

  it.each(FUNCTIONS)(
    'loads %s on Node 24 with its deployed environment and exports its handler',
    async (fn) => {
      const script = `const m = await import(${JSON.stringify(`file://${bundleOf(fn)}`)}); process.stdout.write(process.version + ' ' + typeof m.handler);`;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--input-type=module', '-e', script],
        {
          env: {
            PATH: process.env.PATH,
            AWS_REGION: 'eu-west-1',
            AWS_LAMBDA_FUNCTION_NAME: `waypointer-ci-${fn}`,
            POWERTOOLS_METRICS_DISABLED: 'true',
            POWERTOOLS_LOG_LEVEL: 'CRITICAL',
            ...environmentOf(fn),
          },
          timeout: 30_000,
        },
      );
      expect(stdout).toMatch(/^v24\.\d+\.\d+ function$/);
    },
  );
});
