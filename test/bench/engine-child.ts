/**
 * One engine measurement in a process of its own: `node engine-child.ts engine|parse 100k|1m`
 * prints one JSON line (`ChildResult` of `engine.ts`). Started by `engineBench`.
 */
import { engineMeasurement } from './engine.ts';

const [part, size] = process.argv.slice(2);
if ((part !== 'engine' && part !== 'parse') || size === undefined) {
  process.stderr.write('usage: engine-child.ts engine|parse 100k|1m\n');
  process.exitCode = 2;
} else {
  process.stdout.write(`${JSON.stringify(await engineMeasurement(part, size))}\n`);
}
