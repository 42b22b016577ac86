import fc from 'fast-check';
import { csvCell, csvLine, CsvNumber, CsvTable } from './csv';

const TRIGGERS = ['=', '+', '-', '@', '＝', '＋', '－', '＠'];
const SEPARATORS = [',', ';', '\t', '|', '\r', '\n', '\r\n'];

/** What a spreadsheet reads from a cell: RFC 4180 unquoting. */
function unquote(cell: string): string {
  if (!cell.startsWith('"')) return cell;
  expect(cell.endsWith('"')).toBe(true);
  return cell.slice(1, -1).replace(/""/g, '"');
}

/** True when some piece of `text`, split as any spreadsheet may split it, is a formula. */
function runsAsFormula(text: string): boolean {
  if (/^[\t\r]/.test(text)) return true;
  return text.split(/[,;\t|\r\n]/).some((piece) => /^[ \u00a0\u3000"]*[=+\-@＝＋－＠]/.test(piece));
}

describe('CSV cells', () => {
  it.each(TRIGGERS)('neutralises %s at the start and after every separator', (trigger) => {
    expect(unquote(csvCell(`${trigger}1+1`))).toBe(`'${trigger}1+1`);
    for (const separator of SEPARATORS) {
      const cell = csvCell(`SO${separator}${trigger}cmd|' /C calc'!A0`);
      expect([separator, runsAsFormula(unquote(cell))]).toEqual([separator, false]);
      expect(cell.startsWith('"')).toBe(true);
    }
    for (const padding of [' ', '  ', '"', '\u00a0', '\u3000']) {
      expect(runsAsFormula(unquote(csvCell(`x;${padding}${trigger}1`)))).toBe(false);
    }
  });

  it('neutralises a cell starting with a tab or a carriage return', () => {
    expect(unquote(csvCell('\tx'))).toBe("'\tx");
    expect(unquote(csvCell('\rx'))).toBe("'\rx");
    expect(unquote(csvCell('\t=1'))).toBe("'\t'=1");
  });

  it('leaves ordinary text alone, quoting only what must be', () => {
    expect(csvCell('SO-1')).toBe('SO-1');
    expect(csvCell('订单 1')).toBe('订单 1');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('a;b')).toBe('"a;b"');
    expect(csvCell(' padded')).toBe('" padded"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('')).toBe('');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
  });

  it('writes numbers as numbers, negative ones too, and refuses what is not one', () => {
    expect(csvCell(-500)).toBe('-500');
    expect(csvCell(12345678901234567890n)).toBe('12345678901234567890');
    expect(csvCell(new CsvNumber('-0.05'))).toBe('-0.05');
    expect(() => csvCell(Number.NaN)).toThrow();
    expect(() => new CsvNumber('=1+1')).toThrow();
    expect(() => new CsvNumber('-1;=2')).toThrow();
  });

  it('never lets any text be read as a formula, and only ever adds apostrophes', () => {
    const alphabet = fc.constantFrom(
      ...TRIGGERS,
      ...SEPARATORS,
      ' ',
      '"',
      "'",
      'a',
      '1',
      '\u00a0',
      '\u3000',
      '好',
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 24 }), (chars) => {
        const text = chars.join('');
        const read = unquote(csvCell(text));
        expect(runsAsFormula(read)).toBe(false);
        expect(read.replace(/'/g, '')).toBe(text.replace(/'/g, ''));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('CSV tables', () => {
  const table = new CsvTable<{ id: string; amount: number; note: string | null }>([
    { header: 'id', value: (r) => r.id },
    { header: 'amount', value: (r) => r.amount },
    { header: 'note', value: (r) => r.note },
  ]);
  const rows = [
    { id: 'ord_1', amount: -5, note: null },
    { id: 'ord_2', amount: 7, note: '=cmd' },
  ];

  it('writes a header and one CRLF line per row, whole or streamed alike', async () => {
    const whole = table.document(rows);
    expect(whole).toBe('id,amount,note\r\nord_1,-5,\r\nord_2,7,"\'=cmd"\r\n');
    async function* source() {
      yield* rows;
    }
    let streamed = '';
    for await (const part of table.lines(source())) streamed += part;
    expect(streamed).toBe(whole);
    expect(csvLine(['a', 1])).toBe('a,1\r\n');
  });
});
