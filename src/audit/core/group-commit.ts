/**
 * Group commit: items arriving while a batch is being written (or within `delayMs`)
 * are written together in the next batch, one transaction each; every `add` resolves
 * once its batch is committed, or rejects with the batch's error.
 *
 * @example
 * const commit = new GroupCommit({ write: (rows) => store.append(rows), delayMs: 0, maxBatch: 1000 });
 * await commit.add(row); // on disk
 */
export interface GroupCommitOptions<T> {
  write(items: T[]): Promise<unknown>;
  /** Extra milliseconds to wait for more items before writing; 0 = the next turn of the event loop. */
  delayMs: number;
  maxBatch: number;
  /** Called after each committed batch (checkpoints, metrics). */
  onCommitted?: (count: number) => void;
}

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<T> {
  readonly #o: GroupCommitOptions<T>;
  #queue: Pending<T>[] = [];
  #writing: Promise<void> | undefined;
  #scheduled = false;
  #closed = false;

  constructor(options: GroupCommitOptions<T>) {
    this.#o = options;
  }

  add(item: T): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('audit writer is closed'));
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  /** Items waiting or being written. */
  get pending(): number {
    return this.#queue.length;
  }

  #schedule(): void {
    if (this.#scheduled || this.#writing !== undefined) return;
    this.#scheduled = true;
    const run = () => {
      this.#scheduled = false;
      this.#writing = this.#drain().finally(() => {
        this.#writing = undefined;
        if (this.#queue.length > 0) this.#schedule();
      });
    };
    if (this.#o.delayMs > 0) setTimeout(run, this.#o.delayMs);
    else setImmediate(run);
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#o.maxBatch);
      try {
        await this.#o.write(batch.map((p) => p.item));
      } catch (error) {
        for (const p of batch) p.reject(error);
        continue;
      }
      for (const p of batch) p.resolve();
      this.#o.onCommitted?.(batch.length);
    }
  }

  /** Writes everything queued, then refuses new items. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  /** Resolves once everything queued so far is written (or failed). */
  async flush(): Promise<void> {
    while (this.#writing !== undefined || this.#queue.length > 0 || this.#scheduled) {
      if (this.#writing !== undefined) await this.#writing;
      else await new Promise((r) => setTimeout(r, Math.max(1, this.#o.delayMs)));
    }
  }
}
