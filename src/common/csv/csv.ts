/**
 * The one CSV writer of paygate (RFC 4180, UTF-8, CRLF line ends), for every CSV it writes: bill
 * downloads, exports. Text cells are kept from being run as formulas by a spreadsheet (OWASP
 * "CSV Injection"): a piece of text that starts with `=`, `+`, `-`, `@` (or their full-width
 * forms), after the start of the cell or after any separator a spreadsheet may split on (`,`,
 * `;`, tab, `|`, a line break), gets a `'` in front of it, and a cell that starts with a tab
 * or a carriage return gets one too; then the cell is quoted, so a spreadsheet that honours
 * quotes does not split it at all. Numbers paygate computed are written as they are.
 */

/** A decimal paygate formatted itself (e.g. `-0.05`): written as a number, not as text. */
export class CsvNumber {
  constructor(readonly text: string) {
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`not a decimal number: ${text}`);
  }
}

export type CsvValue = string | number | bigint | CsvNumber | null | undefined;

/** A piece of text a spreadsheet would read as a formula, at the start or after a separator. */
const FORMULA_PIECE = /(^|[,;\t|\r\n])([ \u00a0\u3000"]*)(?=[=+\-@\uff1d\uff0b\uff0d\uff20])/g;
/** What a cell must not start with, besides formula characters. */
const CONTROL_START = /^[\t\r]/;
/** A cell holding any of these is quoted. */
const NEEDS_QUOTES = /[",;\t|\r\n]|^\s|\s$/;

/** One cell: numbers as they are, `null` and `undefined` empty, text neutralised and quoted. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof CsvNumber) return value.text;
  return csvText(value);
}

/** Text for a cell, kept from being read as a formula. */
export function csvText(text: string): string {
  let safe = text.replace(FORMULA_PIECE, "$1'$2");
  if (CONTROL_START.test(safe)) safe = `'${safe}`;
  return safe !== text || NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One line: the cells separated by commas, ended by CRLF. */
export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

/** A column of a CSV table: its header and how a row gives its value. */
export interface CsvColumn<Row> {
  header: string;
  value: (row: Row) => CsvValue;
}

/**
 * A CSV of rows of one kind: a header line, then one line per row. `document` builds it whole;
 * `lines` yields it line by line for a response streamed from a cursor, so memory stays
 * bounded whatever the number of rows.
 */
export class CsvTable<Row> {
  constructor(readonly columns: readonly CsvColumn<Row>[]) {}

  header(): string {
    return csvLine(this.columns.map((c) => c.header));
  }

  line(row: Row): string {
    return csvLine(this.columns.map((c) => c.value(row)));
  }

  document(rows: Iterable<Row>): string {
    let text = this.header();
    for (const row of rows) text += this.line(row);
    return text;
  }

  async *lines(rows: Iterable<Row> | AsyncIterable<Row>): AsyncGenerator<string> {
    yield this.header();
    for await (const row of rows) yield this.line(row);
  }
}
