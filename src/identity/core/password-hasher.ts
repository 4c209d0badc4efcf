import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { normalizePassword } from './password-policy.js';

// @node-rs/argon2 declares Algorithm as a const enum, which isolated modules cannot read.
const argon2id = 2;

export interface Argon2Parameters {
  /** KiB. */
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/**
 * argon2id password hashing. @node-rs/argon2 runs each hash on the libuv thread pool,
 * never on the event loop, and ships prebuilt binaries through npm (no compiler needed).
 */
export class PasswordHasher {
  readonly #params: Argon2Parameters;
  #dummyHash: Promise<string> | undefined;

  constructor(params: Argon2Parameters) {
    this.#params = Object.freeze({ ...params });
  }

  hash(password: string): Promise<string> {
    return hash(normalizePassword(password), {
      algorithm: argon2id,
      memoryCost: this.#params.memoryCost,
      timeCost: this.#params.timeCost,
      parallelism: this.#params.parallelism,
    });
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, normalizePassword(password));
    } catch {
      return false; // a malformed stored hash never authenticates
    }
  }

  /**
   * Spends the same time as a real verification, for a login whose account does not
   * exist: the response time must not reveal which emails are registered.
   */
  async verifyDummy(password: string): Promise<false> {
    this.#dummyHash ??= this.hash(randomBytes(32).toString('base64url'));
    await this.verify(await this.#dummyHash, password);
    return false;
  }

  /** Computes the dummy hash ahead of the first login. */
  async warmUp(): Promise<void> {
    this.#dummyHash ??= this.hash(randomBytes(32).toString('base64url'));
    await this.#dummyHash;
  }

  /** True when a stored hash uses weaker (or different) parameters than configured. */
  needsRehash(passwordHash: string): boolean {
    const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(passwordHash);
    if (!match) return true;
    return (
      Number(match[1]) !== this.#params.memoryCost ||
      Number(match[2]) !== this.#params.timeCost ||
      Number(match[3]) !== this.#params.parallelism
    );
  }
}
