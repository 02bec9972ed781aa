import { configDefaults, defineConfig } from 'vitest/config';
import events from './infra/local/events/vitest.config.ts';
import kubeApi from './infra/local/kube-api/vitest.config.ts';
import sns from './infra/local/sns/vitest.config.ts';
import sqs from './infra/local/sqs/vitest.config.ts';
import stack from './infra/local/stack/vitest.config.ts';
import apimachinery from './shared/apimachinery/vitest.config.ts';

/** The units with a package of their own; each keeps its tests and coverage gate in its folder. */
const UNITS = {
  'shared/apimachinery': apimachinery,
  'infra/local/kube-api': kubeApi,
  'infra/local/sqs': sqs,
  'infra/local/sns': sns,
  'infra/local/events': events,
  'infra/local/stack': stack,
};

type Thresholds = Record<string, unknown>;

/** Each unit's gate, applied to its sources from the repository root. */
function unitThresholds(): Thresholds {
  const gates: Thresholds = {};
  for (const [dir, config] of Object.entries(UNITS)) {
    const coverage = config.test?.coverage as { thresholds?: Thresholds } | undefined;
    gates[`${dir}/src/**`] = coverage?.thresholds ?? {};
  }
  return gates;
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', ...Object.keys(UNITS).map((dir) => `${dir}/test/**/*.test.ts`)],
    // The differential suites need software npm does not install: `npm run test:oracles` runs them.
    // The deployment's checks run after `osls package`: `npm run package` runs them.
    exclude: [...configDefaults.exclude, 'test/oracles/**', 'test/deploy/**'],
    // Records the AWS SDK commands each function sends, for test/deploy/iam.test.ts.
    globalSetup: ['test/deploy/sdk-recorder-reset.ts'],
    setupFiles: ['test/deploy/sdk-recorder.ts'],
    coverage: {
      include: ['shared/**/*.ts', 'functions/**/*.ts', 'infra/local/*/src/**/*.ts'],
      exclude: ['**/vitest.config.ts', '**/src/index.ts'],
      thresholds: {
        lines: 90,
        branches: 80,
        'shared/domain/**': { lines: 95, branches: 90 },
        ...unitThresholds(),
      },
    },
  },
});
