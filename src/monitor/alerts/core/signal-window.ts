import { labelsMatch } from './aggregation.js';

/** One detector signal as the alert manager keeps it. */
export interface SignalEntry {
  time: number;
  labels: Readonly<Record<string, string>>;
  /** Numeric evidence, by field (avg and max rules read one of them). */
  numbers: Readonly<Record<string, number>>;
}

/** The labels a signal rule can match and group by. */
export const signalLabelNames = ['detector', 'severity', 'key'] as const;

/**
 * The recent detector signals of the whole cluster (every node hears every signal), kept
 * for the longest rule window and bounded in size, oldest dropped first.
 */
export class SignalWindow {
  readonly #entries: SignalEntry[] = [];
  #start = 0;
  readonly #maxEntries: number;

  constructor(maxEntries = 100_000) {
    this.#maxEntries = maxEntries;
  }

  add(entry: SignalEntry): void {
    this.#entries.push(entry);
    if (this.#entries.length - this.#start > this.#maxEntries) this.#start++;
    this.#compact();
  }

  /** Signals since `since` (ms) whose labels match `want`. */
  query(want: Readonly<Record<string, string>>, since: number): SignalEntry[] {
    const out: SignalEntry[] = [];
    for (let i = this.#entries.length - 1; i >= this.#start; i--) {
      const e = this.#entries[i] as SignalEntry;
      if (e.time < since) break;
      if (labelsMatch(e.labels, want)) out.push(e);
    }
    return out;
  }

  /** Forgets signals older than `before`. */
  prune(before: number): void {
    while (
      this.#start < this.#entries.length &&
      (this.#entries[this.#start] as SignalEntry).time < before
    )
      this.#start++;
    this.#compact();
  }

  get size(): number {
    return this.#entries.length - this.#start;
  }

  #compact(): void {
    if (this.#start > 1024 && this.#start * 2 > this.#entries.length) {
      this.#entries.splice(0, this.#start);
      this.#start = 0;
    }
  }
}
