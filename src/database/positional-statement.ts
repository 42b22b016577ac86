/**
 * A hot PostgreSQL statement with `$n` parameters, built once, and where each parameter's value
 * comes from in a context object: statements of ~45 values gather them straight from the
 * entities, which costs a fraction of naming each one in a parameters object and matching the
 * names per call (`Database.sql`). Run with `Database.prepared`.
 */
export interface PositionalStatement<C> {
  readonly text: string;
  values(context: C): unknown[];
}

/** What a statement's text is written with: each call adds a parameter and says where it sits. */
export interface ParameterList<C> {
  /** The placeholder of a new parameter (cast where a bare parameter has no type of its own). */
  param(source: (context: C) => unknown, cast?: string): string;
  /** The SELECT list of an entity's columns, each a parameter. */
  columns<T>(columns: [string, keyof T, string?][], entity: (context: C) => T): string;
}

export function positionalStatement<C>(
  write: (parameters: ParameterList<C>) => string,
): PositionalStatement<C> {
  const sources: ((context: C) => unknown)[] = [];
  const param = (source: (context: C) => unknown, cast?: string): string => {
    sources.push(source);
    const placeholder = `$${sources.length}`;
    return cast ? `CAST(${placeholder} AS ${cast})` : placeholder;
  };
  const text = write({
    param,
    columns: (columns, entity) =>
      columns.map(([, property, cast]) => param((c) => entity(c)[property], cast)).join(', '),
  });
  return {
    text,
    values: (context) => {
      const values = new Array<unknown>(sources.length);
      for (let i = 0; i < sources.length; i++) values[i] = sources[i](context) ?? null;
      return values;
    },
  };
}
