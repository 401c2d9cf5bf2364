import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import type { Env } from '../config';

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
@Injectable()
export class Argon2Hasher implements PasswordHasher {
  private readonly settings: Argon2Settings;

  constructor(config: ConfigService<Env, true>) {
    this.settings = {
      memoryCost: config.get('ARGON2_MEMORY_KIB', { infer: true }),
      timeCost: config.get('ARGON2_TIME_COST', { infer: true }),
      parallelism: config.get('ARGON2_PARALLELISM', { infer: true }),
    };
  }

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
