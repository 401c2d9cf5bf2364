import { ChatError } from '@chat/contracts';
import { assertNotCommon } from './common-passwords';

describe('common passwords are refused', () => {
  it.each(['password123', 'qwertyuiop', '1234567890', 'PASSWORD123'])('refuses %s with VALIDATION_FAILED saying why', (pw) => {
    let err: unknown;
    try {
      assertNotCommon(pw);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChatError);
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('common') });
  });

  it.each(['correct horse battery', 'plum-tractor-42-lamp'])('accepts %s', (pw) => {
    expect(() => assertNotCommon(pw)).not.toThrow();
  });
});
