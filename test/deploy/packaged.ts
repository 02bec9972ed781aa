/**
 * The package `npm run package` builds (scripts/package.ts) and test/deploy checks: its osls
 * options, and the template and bundles it leaves in `.serverless/` and `.esbuild/`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Where test/deploy/sdk-recorder.ts records the AWS SDK commands of a test run. */
export const RECORDS = join(ROOT, '.local/sdk-commands');

/** The stage, region and parameters of the checked package. */
export const PACKAGE = {
  stage: 'ci',
  region: 'eu-west-1',
  params: {
    config: 'infra/aws/config.example.json',
    auditSource: 'io.example.audit',
    commandSource: 'io.example.ops',
    resultBus: 'ops-bus',
    statusCluster: 'prod',
  },
} as const;

/** The functions of serverless.yml. */
export const FUNCTIONS = [
  'httpApi',
  'auditWebhook',
  'auditIngest',
  'reconcile',
  'scheduledSweep',
  'eventbridgeCommand',
  'chatops',
  'chatopsWorker',
] as const;

/** A resource of the template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DependsOn?: string | string[];
}

/** The packaged CloudFormation template. */
export interface Template {
  readonly Resources: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, unknown>;
}

/** The template `osls package` rendered; a clear error when there is none. */
export function readTemplate(): Template {
  const path = join(ROOT, '.serverless/cloudformation-template-update-stack.json');
  if (!existsSync(path))
    throw new Error(
      `${path} does not exist: run \`npm run package\`, which packages and then checks`,
    );
  return JSON.parse(readFileSync(path, 'utf8')) as Template;
}
