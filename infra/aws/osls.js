// The configuration-dependent parts of serverless.yml, resolved by osls at package time: the
// functions' environment (${file(./infra/aws/osls.js):deployment.environment.WAYPOINTER_CLUSTERS}
// and the like) and, as a local plugin, the resources of infra/aws/deployment.ts in the template.
// The configuration document comes from `--param=config=<file>` (a JSON file, multi-line welcome)
// or `--param=config=ssm:<parameter name>` (read with the deployer's credentials), and is checked
// with the schemas the functions use at cold start: a bad value fails the package step here.
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

const USAGE =
  'waypointer needs its configuration document: --param="config=<file.json>" (see infra/aws/config.example.json) or --param="config=ssm:/waypointer/<stage>/config"';

/** The text of the configuration document named by `source` (a path, or `ssm:<parameter>`). */
async function documentOf(source, resolveVariable, serviceDir) {
  if (source.startsWith('ssm:')) {
    // raw: a SecureString's JSON as text, as a String's (osls would parse it otherwise).
    const text = await resolveVariable(`ssm(raw):${source.slice('ssm:'.length)}`);
    if (typeof text !== 'string')
      throw new Error(`the SSM parameter ${source.slice('ssm:'.length)} does not exist or is empty`);
    return text;
  }
  const path = isAbsolute(source) ? source : join(serviceDir, source);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the configuration document ${source}: ${error.message}`);
  }
}

let resolved;

/**
 * The checked configuration and the resources it calls for, resolved once per package run. osls
 * calls again when a dependency (a `param`) was not resolvable yet: a failed attempt is not kept.
 */
export function deployment(osls) {
  resolved ??= resolve(osls).catch((error) => {
    resolved = undefined;
    throw error;
  });
  return resolved;
}

async function resolve({ resolveVariable, resolveConfigurationProperty }) {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 23 || (major === 23 && minor < 6))
    throw new Error(
      `packaging waypointer needs Node 24 (it reads the TypeScript schemas), not ${process.version}: run osls with npx after npm ci`,
    );
  const { parseDeploymentConfig } = await import('../../shared/config.ts');
  const { byRegion, deploymentResources, functionEnvironment } = await import('./deployment.ts');
  const source = (await resolveConfigurationProperty(['custom', 'waypointer', 'config'])) ?? '';
  if (source === '') throw new Error(USAGE);
  const serviceDir = join(import.meta.dirname, '../..');
  const text = await documentOf(String(source), resolveVariable, serviceDir);
  let config;
  try {
    config = parseDeploymentConfig(text, String(source));
  } catch (error) {
    throw new Error(`invalid waypointer configuration: ${error.message}`);
  }
  const settings = {
    service: await resolveConfigurationProperty(['service']),
    stage: await resolveVariable('sls:stage'),
    region: await resolveConfigurationProperty(['provider', 'region']),
    resultBus: await resolveConfigurationProperty(['custom', 'waypointer', 'resultBus']),
    alarmTopic: (await resolveConfigurationProperty(['custom', 'waypointer', 'alarmTopic'])) || undefined,
  };
  const { elsewhere } = byRegion(config, settings.region);
  for (const cluster of elsewhere)
    process.emitWarning(
      `EKS cluster ${cluster.name} (${cluster.cluster}) is in ${cluster.region}, not ${settings.region}: its audit log group is not subscribed and its access entries are not created by this stack`,
    );
  return {
    environment: config.environment,
    resources: deploymentResources(config, settings),
    functionEnvironment: functionEnvironment(config),
  };
}

/** The local plugin: adds the roles, subscriptions, access entries and alarms to the template. */
export default class WaypointerDeployment {
  constructor(serverless) {
    this.hooks = {
      'before:package:finalize': async () => {
        const { resources, functionEnvironment } = await resolved;
        const template = serverless.service.provider.compiledCloudFormationTemplate;
        for (const [id, resource] of Object.entries(resources)) {
          if (template.Resources[id] !== undefined)
            throw new Error(`serverless.yml already declares ${id}, which infra/aws/deployment.ts adds`);
          template.Resources[id] = resource;
        }
        // Variables that exist only with some configurations (the fan-out topic's ARN).
        for (const [fn, variables] of Object.entries(functionEnvironment)) {
          const id = `${fn.charAt(0).toUpperCase()}${fn.slice(1)}LambdaFunction`;
          const properties = template.Resources[id]?.Properties;
          if (properties === undefined) throw new Error(`the template has no function ${id}`);
          properties.Environment ??= { Variables: {} };
          Object.assign(properties.Environment.Variables, variables);
        }
      },
    };
  }
}
