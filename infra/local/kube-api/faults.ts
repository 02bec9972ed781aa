/**
 * Fault injection for the embedded API server: a share of requests (or the next N) fail with a
 * 500, a 429 with Retry-After, or a stall, so that clients' retries can be tested for real.
 */
import { type ApiError, internalError, tooManyRequests } from './status.ts';

export type FaultKind = '500' | '429' | 'stall';

export interface FaultOptions {
  /** Share of resource requests that fail, 0..1. */
  readonly rate?: number;
  readonly kinds?: readonly FaultKind[];
  readonly retryAfterSeconds?: number;
  /** How long a stalled request hangs before the server drops the connection. */
  readonly stallMs?: number;
  /** Seed of the pseudo-random choice, so that a run can be repeated. */
  readonly seed?: number;
}

export type Fault =
  | { readonly kind: 'error'; readonly error: ApiError }
  | { readonly kind: 'stall'; readonly ms: number };

export class Faults {
  #options: FaultOptions;
  #state: number;
  readonly #queued: FaultKind[] = [];
  /** How many faults were injected, by kind. */
  readonly injected: Record<FaultKind, number> = { '500': 0, '429': 0, stall: 0 };

  constructor(options: FaultOptions = {}) {
    this.#options = options;
    this.#state = options.seed ?? 1;
  }

  configure(options: FaultOptions): void {
    this.#options = options;
    this.#state = options.seed ?? this.#state;
  }

  /** Makes the next requests fail, in order, whatever the rate. */
  failNext(...kinds: FaultKind[]): void {
    this.#queued.push(...kinds);
  }

  #random(): number {
    this.#state = (this.#state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return this.#state / 2_147_483_648;
  }

  /** The fault for the next resource request, if any. */
  next(): Fault | undefined {
    let kind = this.#queued.shift();
    if (kind === undefined) {
      const rate = this.#options.rate ?? 0;
      if (rate <= 0 || this.#random() >= rate) return undefined;
      const kinds = this.#options.kinds ?? ['500', '429', 'stall'];
      kind = kinds[Math.floor(this.#random() * kinds.length)] ?? '500';
    }
    this.injected[kind] += 1;
    if (kind === 'stall') return { kind: 'stall', ms: this.#options.stallMs ?? 30_000 };
    if (kind === '429')
      return { kind: 'error', error: tooManyRequests(this.#options.retryAfterSeconds ?? 1) };
    return { kind: 'error', error: internalError('injected fault') };
  }
}
