import { hash, verify, type Algorithm } from '@node-rs/argon2';

export interface Argon2Settings {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(phc: string, password: string): Promise<boolean>;
}

const ARGON2ID = 2 as Algorithm; // Algorithm.Argon2id (a const enum in the typings)

/** argon2id through @node-rs/argon2 (native, off the event loop). */
export class Argon2Hasher implements PasswordHasher {
  constructor(private readonly settings: Argon2Settings) {}

  hash(password: string): Promise<string> {
    return hash(password, { algorithm: ARGON2ID, ...this.settings });
  }

  async verify(phc: string, password: string): Promise<boolean> {
    try {
      return await verify(phc, password);
    } catch {
      return false;
    }
  }
}
