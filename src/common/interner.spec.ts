import { Interner } from './interner';

describe('Interner', () => {
  it('gives back the first copy of an equal value and leaves null alone', () => {
    const strings = new Interner();
    const first = strings.of('CNY');
    expect(strings.of(['C', 'N', 'Y'].join(''))).toBe(first);
    expect(strings.of('USD')).toBe('USD');
    expect(strings.of(null)).toBeNull();
  });
});
