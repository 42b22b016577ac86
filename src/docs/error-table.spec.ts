import { ERROR_CATALOGUE } from '../common/errors/error-catalogue';
import { errorCodeMarkdown, STATUS_TABLE } from './error-table';

describe('the error code table of /reference', () => {
  it('has a row for every HTTP status a reason of the catalogue answers with', () => {
    const rows = new Set(STATUS_TABLE.map((row) => row.status));
    const missing = Object.entries(ERROR_CATALOGUE)
      .filter(([, spec]) => !rows.has(String(spec.status)))
      .map(([reason, spec]) => `${spec.status} (${reason}): add a row to STATUS_TABLE`);
    expect(missing).toEqual([]);
  });

  it('lists each status once, in order, with its reasons', () => {
    const statuses = STATUS_TABLE.map((row) => row.status).filter((s) => s !== '0000');
    expect(statuses).toEqual([...new Set(statuses)].sort());
    expect(errorCodeMarkdown()).toMatch(/^\| 408 \| .* \| `request_timeout` \|$/m);
    expect(errorCodeMarkdown()).toMatch(/^\| 431 \| .* \| `headers_too_large` \|$/m);
  });
});
