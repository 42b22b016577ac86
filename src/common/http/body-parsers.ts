import { FastifyInstance, FastifyRequest } from 'fastify';
import { parse as parseLossless } from 'lossless-json';
import qs from 'qs';
import { AppError } from '../errors/app-error';

/** Set (non-enumerable) on every object that came from a form body, nested ones included. */
export const FORM_BODY = Symbol('paygate.formBody');

/** Deeper JSON or form nesting than any endpoint takes is refused before validation. */
export const MAX_BODY_DEPTH = 16;

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received, for signature checks on provider notifications. */
    rawBody?: string;
  }
}

/**
 * How form bodies are read: bracket nesting, bounded in depth, size and count. Objects without
 * a prototype keep every key, so a field named `constructor` or `toString` reaches validation
 * and is refused like any other unknown field (qs would drop it silently otherwise), and there
 * is no prototype to pollute.
 */
export const FORM_PARSE_OPTIONS: qs.IParseOptions = {
  depth: MAX_BODY_DEPTH,
  strictDepth: true,
  arrayLimit: 100,
  parameterLimit: 1000,
  throwOnLimitExceeded: true,
  plainObjects: true,
};

export class BodyParseError extends Error {
  readonly statusCode = 400;
  readonly code = 'FST_ERR_CTP_INVALID_JSON_BODY';
}

class BodyTooDeepError extends Error {
  readonly statusCode = 400;
  readonly code = 'FST_PAYGATE_BODY_TOO_DEEP';
  constructor() {
    super(`the body is nested deeper than ${MAX_BODY_DEPTH} levels`);
  }
}

export function isFormBody(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[FORM_BODY] === true
  );
}

/**
 * JSON and form bodies, and nothing else (any other content type is 415).
 *
 * JSON numbers are checked against their literal text: `10.00`, `1e3` and integers beyond
 * 2^53 would otherwise reach the code as the plain numbers 10, 1000 and a rounded value, and an
 * amount meant as yuan would be charged as fen. Such literals arrive as boxed `Number` objects,
 * which every integer field refuses and every decimal field unboxes.
 */
export function registerBodyParsers(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeAllContentTypeParsers();
  const secureJson = fastify.getDefaultJsonParser('error', 'error');

  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit },
    (request: FastifyRequest, body: string | Buffer, done) => {
      const text = body.toString();
      request.rawBody = text;
      const scan = scanJson(text);
      if (scan.depth > MAX_BODY_DEPTH) return done(new BodyTooDeepError(), undefined);
      secureJson(request, text, (error: Error | null, parsed?: unknown) => {
        if (error) return done(poisonedKeys(text) ?? error, undefined);
        // a key given twice is one JSON.parse quietly took the last of
        if (countKeys(parsed) !== scan.keys) return done(duplicatedKeys(text), undefined);
        if (!scan.inexactNumbers) return done(null, parsed);
        try {
          done(null, parseLossless(text, null, parseNumberLiteral));
        } catch {
          done(new BodyParseError('the body is not valid JSON'), undefined);
        }
      });
    },
  );

  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit },
    (request: FastifyRequest, body: string | Buffer, done) => {
      const text = body.toString();
      request.rawBody = text;
      try {
        // qs drops a `__proto__` key silently; it is refused, as in JSON
        const poisoned: string[] = [];
        const parsed = qs.parse(text, {
          ...FORM_PARSE_OPTIONS,
          decoder: (part, decode, charset, type) => {
            const decoded = decode(part, decode, charset) as string;
            if (type === 'key' && PROTO_SEGMENT.test(decoded)) poisoned.push(decoded);
            return decoded;
          },
        });
        if (poisoned.length > 0) return done(notFields(poisoned), undefined);
        markForm(parsed);
        done(null, parsed);
      } catch (error) {
        const tooDeep = error instanceof RangeError && /depth/i.test(error.message);
        done(
          tooDeep ? new BodyTooDeepError() : new BodyParseError((error as Error).message),
          undefined,
        );
      }
    },
  );
}

/** A JSON number literal that is not an exact safe integer (`10.00`, `1e3`, 2^53 + 1). */
export type InexactNumber = object & { valueOf(): number };

function parseNumberLiteral(literal: string): number | InexactNumber {
  if (/^-?\d+$/.test(literal)) {
    const n = Number(literal);
    if (Number.isSafeInteger(n)) return n;
  }
  // the box marks the literal: integer fields refuse objects, decimal fields unbox them
  return Object(Number(literal)) as InexactNumber;
}

function markForm(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  Object.defineProperty(value, FORM_BODY, { value: true, enumerable: false });
  for (const child of Object.values(value)) markForm(child);
}

/** A form key with a `__proto__` segment: `__proto__[x]`, `a[__proto__]`. */
const PROTO_SEGMENT = /(?:^|\[)__proto__(?:\]|\[|$)/;

/** 400 `validation_failed` naming each key, as for any field the request does not have. */
function notFields(keys: readonly string[]): AppError {
  return AppError.validation(
    keys.map((field) => ({ field, message: `${field} is not a field of this request` })),
  );
}

/**
 * Keys own properties of a parsed JSON value hold, at every depth: as many as the text has
 * keys unless one was given twice (boxed JSON numbers have none).
 */
function countKeys(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value) count += countKeys(item);
    return count;
  }
  for (const key in value) {
    count += 1 + countKeys((value as Record<string, unknown>)[key]);
  }
  return count;
}

/**
 * The JSON keys given more than once in one object (`{"amount":1,"amount":2}`, also spelled
 * with escapes), as a validation error; slow, so only run once a duplicate is known to exist.
 */
function duplicatedKeys(text: string): AppError {
  const duplicates = new Set<string>();
  walkKeys(text, (path, seen) => {
    if (seen) duplicates.add(path);
  });
  return AppError.validation(
    [...duplicates].map((field) => ({ field, message: `${field} is given more than once` })),
  );
}

/**
 * Why secure JSON parsing refused a body that is valid JSON: a `__proto__` key, or
 * `constructor.prototype`, answered like any field the request does not have; undefined when
 * the body is not valid JSON at all.
 */
function poisonedKeys(text: string): AppError | undefined {
  try {
    JSON.parse(text);
  } catch {
    return undefined;
  }
  const poisoned: string[] = [];
  walkKeys(text, (path) => {
    if (/(^|\.)(__proto__|constructor\.prototype)$/.test(path)) poisoned.push(path);
  });
  return poisoned.length > 0 ? notFields(poisoned) : undefined;
}

/**
 * Every key of the JSON text with its dotted path, and whether its object already had it.
 * The text must be valid JSON.
 */
function walkKeys(text: string, visit: (path: string, seen: boolean) => void): void {
  type Frame = { keys: Set<string> | null; path: string };
  const stack: Frame[] = [];
  let pendingKey: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const literal = JSON.parse(text.slice(i, end + 1)) as string;
      i = end;
      let next = end + 1;
      while (/\s/.test(text[next] ?? '')) next++;
      const top = stack[stack.length - 1];
      if (text[next] === ':' && top?.keys) {
        const path = top.path ? `${top.path}.${literal}` : literal;
        visit(path, top.keys.has(literal));
        top.keys.add(literal);
        pendingKey = path;
      }
    } else if (c === '{' || c === '[') {
      const parent = stack[stack.length - 1];
      const path = pendingKey ?? (parent ? `${parent.path}[]` : '');
      stack.push({ keys: c === '{' ? new Set() : null, path });
      pendingKey = null;
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      pendingKey = null;
    }
  }
}

/**
 * One pass over the JSON text, outside string literals: the nesting depth, whether any number
 * literal has a fraction, an exponent or more digits than a safe integer, and how many keys it
 * has (colons outside strings).
 */
export function scanJson(text: string): { depth: number; inexactNumbers: boolean; keys: number } {
  let depth = 0;
  let maxDepth = 0;
  let inexact = false;
  let inString = false;
  let digits = 0;
  let keys = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c >= 48 && c <= 57) {
      if (++digits > 15) inexact = true;
      continue;
    }
    if (digits > 0 && (c === 46 /* . */ || c === 101 /* e */ || c === 69) /* E */) inexact = true;
    digits = 0;
    if (c === 34) inString = true;
    else if (c === 58 /* : */) keys++;
    else if (c === 123 || c === 91) {
      if (++depth > maxDepth) maxDepth = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return { depth: maxDepth, inexactNumbers: inexact, keys };
}
