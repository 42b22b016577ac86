/**
 * `:name` (and `:...list`) parameters, compiled once per SQL text into the engine's own
 * placeholders: `$1…` for PostgreSQL (a name used twice is one placeholder), `?` for SQLite.
 * A `::type` cast is left alone, and so is a `:word` that no parameter names.
 */
export type Placeholders = 'postgres' | 'sqlite';

interface Compiled {
  /** Text before each parameter, then the text after the last one. */
  parts: string[];
  names: { name: string; spread: boolean }[];
  /**
   * The statement and the order of its values per engine, when it has no `:...list`, by which
   * names were given ('' when all were, else a 1 or 0 per name).
   */
  fixed?: Record<Placeholders, Map<string, { sql: string; order: string[] }>>;
}

const PARAMETER = /(?<!:):(\.\.\.)?([A-Za-z_][A-Za-z0-9_]*)/g;
const cache = new Map<string, Compiled>();

function compile(sql: string): Compiled {
  const parts: string[] = [];
  const names: Compiled['names'] = [];
  let last = 0;
  for (const match of sql.matchAll(PARAMETER)) {
    parts.push(sql.slice(last, match.index));
    names.push({ name: match[2], spread: match[1] !== undefined });
    last = match.index + match[0].length;
  }
  parts.push(sql.slice(last));
  const spread = names.some((n) => n.spread);
  return { parts, names, fixed: spread ? undefined : { postgres: new Map(), sqlite: new Map() } };
}

export function bindNamedParameters(
  sql: string,
  params: Record<string, unknown>,
  placeholders: Placeholders,
): [string, unknown[]] {
  let compiled = cache.get(sql);
  if (!compiled) {
    compiled = compile(sql);
    cache.set(sql, compiled);
  }
  const known = (name: string) => Object.prototype.hasOwnProperty.call(params, name);
  if (compiled.fixed) {
    // the usual case, every name given, needs no signature worked out
    let complete = true;
    for (const { name } of compiled.names) {
      if (!known(name)) {
        complete = false;
        break;
      }
    }
    const signature = complete
      ? ''
      : compiled.names.map((n) => (known(n.name) ? '1' : '0')).join('');
    const plans = compiled.fixed[placeholders];
    let plan = plans.get(signature);
    if (!plan) {
      plan = build(compiled, params, placeholders, known);
      plans.set(signature, plan);
    }
    const values = new Array<unknown>(plan.order.length);
    for (let i = 0; i < values.length; i++) values[i] = params[plan.order[i]] ?? null;
    return [plan.sql, values];
  }
  const plan = build(compiled, params, placeholders, known);
  const values: unknown[] = [];
  for (const name of plan.order) {
    const [base, index] = name.split('\u0000');
    values.push(
      (index === undefined ? params[base] : (params[base] as unknown[])[Number(index)]) ?? null,
    );
  }
  return [plan.sql, values];
}

/** The statement text and, for each placeholder, the parameter (or list element) it takes. */
function build(
  compiled: Compiled,
  params: Record<string, unknown>,
  placeholders: Placeholders,
  known: (name: string) => boolean,
): { sql: string; order: string[] } {
  const order: string[] = [];
  const positions = new Map<string, number>();
  const placeholder = (key: string): string => {
    if (placeholders === 'sqlite') {
      order.push(key);
      return '?';
    }
    let position = positions.get(key);
    if (position === undefined) {
      order.push(key);
      position = order.length;
      positions.set(key, position);
    }
    return `$${position}`;
  };
  let sql = compiled.parts[0];
  compiled.names.forEach(({ name, spread }, i) => {
    if (!known(name)) sql += `:${spread ? '...' : ''}${name}`;
    else if (spread) {
      const list = params[name] as unknown[];
      sql += list.map((_v, index) => placeholder(`${name}\u0000${index}`)).join(', ');
    } else sql += placeholder(name);
    sql += compiled.parts[i + 1];
  });
  return { sql, order };
}
