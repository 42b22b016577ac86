import { DataSource, ObjectLiteral } from 'typeorm';

/**
 * TypeORM's SQLite drivers write a number parameter into the SQL text instead of binding it
 * (`INSERT … VALUES (?, ?, 1, 1795740995977)`), so statements that differ only in a number, an
 * amount or a timestamp, are different statements: better-sqlite3 compiles every one anew,
 * TypeORM's statement cache (the last 100 texts) never hits, and each evicted statement's native
 * memory is freed only when the garbage collector gets to its wrapper. Under the bench's create
 * load that was three new statements per payment, a tenth of a create's CPU, and tens of MB of
 * process memory.
 *
 * Here integers are bound instead, as BigInts, which better-sqlite3 binds as SQLite INTEGERs:
 * the very values the literals were (a JS number would bind as a REAL, and a REAL written to a
 * text column reads back as "7.0"). Any other number keeps TypeORM's literal. Statements written
 * as raw SQL (`Database.sql`) bind their values already and are not affected.
 */
export function bindIntegerParameters(dataSource: DataSource): void {
  if (dataSource.options.type !== 'better-sqlite3') return;
  const driver = dataSource.driver;
  const escape = driver.escapeQueryWithParameters.bind(driver);
  driver.escapeQueryWithParameters = (sql, parameters) =>
    escape(sql, integersAsBigInts(parameters));
}

/** The same parameters, integers as BigInts; the object itself when it holds no integer. */
function integersAsBigInts(parameters: ObjectLiteral): ObjectLiteral {
  let copy: ObjectLiteral | undefined;
  for (const key in parameters) {
    const value: unknown = parameters[key];
    if (!Number.isSafeInteger(value)) continue;
    copy ??= { ...parameters };
    copy[key] = BigInt(value as number);
  }
  return copy ?? parameters;
}
