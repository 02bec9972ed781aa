/**
 * Fault injection for the embedded API server: a share of requests (or the next N) fail with a
 * 500, a 429 with Retry-After, or a stall, so that clients' retries can be tested for real; and a
 * list page requested with a `continue` token can answer 410 Expired, as after etcd compaction.
 */
import { type ApiError, internalError, tooManyRequests } from './status.ts';

/** `410`: the continue token has expired; it only ever applies to requests with `continue=`. */
export type FaultKind = '500' | '429' | 'stall' | '410';

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
  | { readonly kind: 'stall'; readonly ms: number }
  | { readonly kind: 'expired' };

/** What a fault may depend on in the request. */
export interface FaultRequest {
  /** The request pages a list with a `continue` token. */
  readonly continue: boolean;
}

export class Faults {
  #options: FaultOptions;
  #state: number;
  readonly #queued: FaultKind[] = [];
  /** How many faults were injected, by kind. */
  readonly injected: Record<FaultKind, number> = { '500': 0, '429': 0, stall: 0, '410': 0 };

  constructor(options: FaultOptions = {}) {
    this.#options = options;
    this.#state = options.seed ?? 1;
  }

  configure(options: FaultOptions): void {
    this.#options = options;
    this.#state = options.seed ?? this.#state;
  }

  /**
   * Makes the next requests fail, in order, whatever the rate; a `410` waits for the next request
   * that carries a continue token (others pass it by).
   */
  failNext(...kinds: FaultKind[]): void {
    this.#queued.push(...kinds);
  }

  #random(): number {
    this.#state = (this.#state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return this.#state / 2_147_483_648;
  }

  #dequeue(request: FaultRequest): FaultKind | undefined {
    const index = this.#queued.findIndex((kind) => kind !== '410' || request.continue);
    return index < 0 ? undefined : this.#queued.splice(index, 1)[0];
  }

  #draw(request: FaultRequest): FaultKind | undefined {
    const rate = this.#options.rate ?? 0;
    if (rate <= 0 || this.#random() >= rate) return undefined;
    const kinds = this.#options.kinds ?? ['500', '429', 'stall'];
    const kind = kinds[Math.floor(this.#random() * kinds.length)] ?? '500';
    return kind === '410' && !request.continue ? undefined : kind;
  }

  /** The fault for the next resource request, if any. */
  next(request: FaultRequest = { continue: false }): Fault | undefined {
    const kind = this.#dequeue(request) ?? this.#draw(request);
    if (kind === undefined) return undefined;
    this.injected[kind] += 1;
    if (kind === '410') return { kind: 'expired' };
    if (kind === 'stall') return { kind: 'stall', ms: this.#options.stallMs ?? 30_000 };
    if (kind === '429')
      return { kind: 'error', error: tooManyRequests(this.#options.retryAfterSeconds ?? 1) };
    return { kind: 'error', error: internalError('injected fault') };
  }
}
