import { defineConfig } from 'vitest/config';

// Extra Vitest settings for `nx test frontend` (the Angular unit-test builder merges them in).
export default defineConfig({
  test: {
    // Component tests render Angular Material in jsdom; on a busy 2-core machine the
    // first render of a file can take several seconds.
    testTimeout: 30_000,
  },
});
