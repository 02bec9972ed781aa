/** The real {@link Clock}: the system time and timers. */
import { setTimeout as delay } from 'node:timers/promises';
import type { Clock } from '../ports.ts';

/**
 * The system clock.
 *
 * @example
 * ```ts
 * const deadline = systemClock.now().getTime() + 5_000;
 * await systemClock.sleep(100);
 * ```
 */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: async (ms) => {
    await delay(ms);
  },
};
