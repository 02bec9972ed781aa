/**
 * `waypointer cluster`: runs the embedded Kubernetes cluster alone, in the foreground.
 */
import { appendFile } from 'node:fs/promises';
import { startLocalCluster } from '@waypointer/kube-api';
import { istiodEntryStatus } from '../../../../shared/adapters/kubernetes/istiod-entry-status.ts';
import { commandLine, type FlagText, type ForegroundIo, portOption } from './command-line.ts';

export const CLUSTER_HELP = `Usage: waypointer cluster [--port N] [--seed bookinfo|empty|FILE] [--kubeconfig-out FILE]
                          [--audit-webhook URL] [--audit-log FILE] [--ready-delay MS] [--fault-rate R]
                          [--keep-unready NAMESPACE/NAME|'*']...
Runs the embedded Kubernetes API server (with a simulated istiod) until interrupted.
--keep-unready holds the named waypoint (or every waypoint, with '*') at Programmed=False, to try
what callers see when a waypoint never becomes ready.
`;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The `--keep-unready` values, checked: `*` or `namespace/name`; the error message otherwise. */
function unreadyKeys(values: readonly string[]): string[] | string {
  for (const value of values) {
    const [namespace, name, extra] = value.split('/');
    const valid =
      value === '*' ||
      (extra === undefined &&
        DNS_LABEL.test(namespace ?? '') &&
        name !== undefined &&
        DNS_LABEL.test(name));
    if (!valid)
      return `invalid --keep-unready "${value}": give NAMESPACE/NAME of a waypoint, or '*' for all`;
  }
  return [...values];
}

const INTEGER = /^\d+$/;
const DECIMAL = /^(\d+(\.\d*)?|\.\d+)$/;

/**
 * `--port`, `--fault-rate` and `--ready-delay`, checked: a port 0..65535, a rate 0..1, a delay in
 * whole milliseconds; the error message otherwise.
 */
function numericOptions(
  text: FlagText,
): { port: number; faultRate?: number; readyDelayMs?: number } | string {
  const port = portOption(text('port') ?? '0');
  if (typeof port === 'string') return port;
  const rate = text('fault-rate');
  if (rate !== undefined && (!DECIMAL.test(rate) || Number(rate) > 1))
    return `invalid --fault-rate "${rate}": give a share of requests from 0 to 1 (e.g. 0.2)`;
  const delay = text('ready-delay');
  if (delay !== undefined && !INTEGER.test(delay))
    return `invalid --ready-delay "${delay}": give whole milliseconds (e.g. 1000)`;
  return {
    port,
    ...(rate === undefined ? {} : { faultRate: Number(rate) }),
    ...(delay === undefined ? {} : { readyDelayMs: Number(delay) }),
  };
}

/**
 * `--audit-webhook` must be an http(s) URL and `--audit-log` a file that can be written: checked
 * before starting, since a wrong one would lose every audit event without a word. The error
 * message, or undefined.
 */
async function checkAuditOptions(text: FlagText): Promise<string | undefined> {
  const webhook = text('audit-webhook');
  if (webhook !== undefined && !/^https?:$/.test(URL.parse(webhook)?.protocol ?? '')) {
    return `invalid --audit-webhook "${webhook}": give an http:// or https:// URL`;
  }
  const auditLog = text('audit-log');
  if (auditLog === undefined) return undefined;
  try {
    await appendFile(auditLog, '');
    return undefined;
  } catch (error) {
    return `cannot write --audit-log "${auditLog}": ${(error as Error).message}`;
  }
}

/** `waypointer cluster`: runs the embedded cluster in the foreground. */
export async function clusterCommand(args: readonly string[], io: ForegroundIo): Promise<number> {
  const parsed = commandLine(
    args,
    {
      port: { type: 'string', default: '0' },
      seed: { type: 'string' },
      'kubeconfig-out': { type: 'string' },
      'audit-webhook': { type: 'string' },
      'audit-log': { type: 'string' },
      'ready-delay': { type: 'string' },
      'fault-rate': { type: 'string' },
      'keep-unready': { type: 'string', multiple: true },
    },
    CLUSTER_HELP,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, text } = parsed;
  const numbers = numericOptions(text);
  if (typeof numbers === 'string') {
    io.stderr(`Error: ${numbers}\n`);
    return 1;
  }
  const auditProblem = await checkAuditOptions(text);
  if (auditProblem !== undefined) {
    io.stderr(`Error: ${auditProblem}\n`);
    return 1;
  }
  const unready = unreadyKeys((values['keep-unready'] as string[] | undefined) ?? []);
  if (typeof unready === 'string') {
    io.stderr(`Error: ${unready}\n`);
    return 1;
  }
  const { port, faultRate, readyDelayMs } = numbers;
  const cluster = await startLocalCluster({
    port,
    entryRules: istiodEntryStatus,
    ...(text('seed') === undefined ? {} : { seed: text('seed') as string }),
    kubeconfigOut: text('kubeconfig-out') ?? '.local/kubeconfig',
    audit: {
      ...(text('audit-webhook') === undefined
        ? {}
        : { webhookUrl: text('audit-webhook') as string }),
      ...(text('audit-log') === undefined ? {} : { logFile: text('audit-log') as string }),
    },
    ...(faultRate === undefined ? {} : { faults: { rate: faultRate } }),
    ...(readyDelayMs === undefined ? {} : { readyDelayMs }),
  });
  for (const key of unready) cluster.istiod.keepUnready(key);
  io.stdout(`Kubernetes API: ${cluster.url}\nkubeconfig:     ${cluster.kubeconfigPath}\n`);
  io.stdout(`Try: kubectl --kubeconfig ${cluster.kubeconfigPath} get pods -A\n`);
  io.onStop(cluster.stop);
  return 0;
}
