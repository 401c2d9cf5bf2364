import { directPairKey } from './kafka';

describe('directPairKey', () => {
  it('is the sorted pair, whoever asks', () => {
    expect(directPairKey('b', 'a')).toBe('a:b');
    expect(directPairKey('a', 'b')).toBe('a:b');
  });
});
