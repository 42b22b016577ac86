// `pg`'s own parameter conversion (exported by the package as `pg/lib/utils`; not in @types/pg)
declare module 'pg/lib/utils' {
  export function prepareValue(value: unknown): unknown;
}
