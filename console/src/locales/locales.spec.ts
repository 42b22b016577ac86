import { messages } from './index';

/** Every key path of a message tree, and its value. */
function leaves(tree: object, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'object' && value !== null) {
      for (const [k, v] of leaves(value, path)) out.set(k, v);
    } else out.set(path, value);
  }
  return out;
}

describe('console messages', () => {
  const zh = leaves(messages['zh-CN']);
  const en = leaves(messages.en);

  it('has every key in both languages, each a non-empty string', () => {
    expect([...zh.keys()].sort()).toEqual([...en.keys()].sort());
    for (const [key, value] of [...zh, ...en]) {
      expect({ key, ok: typeof value === 'string' && value.trim() !== '' }).toEqual({
        key,
        ok: true,
      });
    }
  });

  it('uses the same placeholders in both languages', () => {
    const placeholders = (text: unknown) =>
      [...String(text).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, value] of zh) {
      expect({ key, p: placeholders(en.get(key)) }).toEqual({ key, p: placeholders(value) });
    }
  });

  it('holds no character vue-i18n would read as syntax (@ links, | plurals) unescaped', () => {
    for (const [key, value] of [...zh, ...en]) {
      expect({ key, bad: /[@|$]/.test(String(value).replace(/\{'[@|$]'\}/g, '')) }).toEqual({
        key,
        bad: false,
      });
    }
  });
});
