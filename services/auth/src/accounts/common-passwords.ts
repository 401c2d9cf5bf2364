import { dictionary } from '@zxcvbn-ts/language-common';
import { ChatError, LIMITS } from '@chat/contracts';

// The most used passwords from public breach corpora (zxcvbn-ts' common list, ~49,000),
// those long enough to pass the length rule at all. Checked here, in the service that
// owns credentials, rather than in the contracts: the browser need not download the list.
const COMMON = new Set(
  dictionary['passwords-common'].filter((p) => p.length >= LIMITS.passwordMin).map((p) => p.toLowerCase()),
);

/** Refuses a password found in the list of common passwords (compared case-insensitively). */
export function assertNotCommon(password: string): void {
  if (COMMON.has(password.toLowerCase())) {
    throw new ChatError('VALIDATION_FAILED', 'password: this password is one of the most common ones and easy to guess; choose another');
  }
}
