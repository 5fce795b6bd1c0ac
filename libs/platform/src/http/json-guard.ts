import type { FieldError } from './api-error';

/**
 * How many objects and arrays may nest in a request (the body itself is level 1). The contract's deepest
 * body is 4 (`{"availability": [{"day": 1}]}` holds a number in an object in a list in the body); 32 leaves
 * room for any extension while every later step that recurses (class-transformer, class-validator,
 * JSON.stringify for idempotency hashes) stays far from the stack's end.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Keys that mean something to JavaScript objects: every member of `Object.prototype` (`__proto__`,
 * `constructor`, `toString`, `valueOf`, `hasOwnProperty`, `__defineGetter__`, ...) and `prototype`.
 * JSON.parse makes them plain own properties, but class-transformer skips a key whose name the new object
 * already answers with a function or an accessor (every one of these), without a word, and an assignment to
 * `__proto__` sets a prototype: the request would be accepted with a field silently dropped. They are never
 * fields of this API: refused as unknown fields.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/** More bad fields than this are not listed: the answer stays small whatever the body holds. */
export const MAX_REPORTED_FIELDS = 100;

/**
 * What a query value that is not valid percent-encoding is read as (markUndecodableQuery): text no client can
 * send (it holds NUL), which the guard names with its own words wherever a query is validated.
 */
export const UNDECODABLE_QUERY_VALUE = '\u0000(not valid percent-encoding)';

export const MESSAGES = {
  tooDeep: `is nested too deeply (at most ${MAX_JSON_DEPTH} levels of objects and lists)`,
  // A lone surrogate is also what a byte that is not UTF-8 becomes (decodeUtf8KeepingBadBytes).
  notUnicode: 'must be well-formed Unicode text (it holds a lone UTF-16 surrogate or bytes that are not UTF-8)',
  keyNotUnicode: 'is not allowed: its name is not well-formed Unicode',
  nul: 'must not contain the NUL character',
  notPercentEncoding: 'must be valid percent-encoding of UTF-8 text',
  notUtf8: 'is not well-formed UTF-8',
  reserved: 'is not allowed',
} as const;

/**
 * What a parsed JSON value (a body, a query, a bulk import line) holds that no later step may see: nesting
 * deeper than `MAX_JSON_DEPTH`, text that is not well-formed Unicode (PostgreSQL stores a lone surrogate as
 * U+FFFD in text and refuses it in jsonb), the NUL character (PostgreSQL refuses it everywhere), and the
 * keys of `RESERVED_KEYS`. Each bad field is named with a dotted path (`location.__proto__`, `skills.1`);
 * values are never echoed, and names are made storable before they are (`nameOfKey`).
 *
 * Iterative, with a stack of its own: a body nested 100,000 levels deep is walked to level 33, not recursed
 * into. `root` names the value itself when it is the bad one.
 */
export function unsafeJsonFields(value: unknown, root = '(body)'): FieldError[] {
  const found: FieldError[] = [];
  const stack: JsonNode[] = [{ value, key: '', parent: undefined, depth: 1 }];
  while (stack.length > 0 && found.length < MAX_REPORTED_FIELDS) {
    const node = stack.pop() as JsonNode;
    const inner = node.value;
    if (node.badKey !== undefined) {
      found.push({ field: pathOf(node, root), message: node.badKey });
    } else if (typeof inner === 'string') {
      if (!isWellFormed(inner)) found.push({ field: pathOf(node, root), message: MESSAGES.notUnicode });
      else if (inner === UNDECODABLE_QUERY_VALUE) found.push({ field: pathOf(node, root), message: MESSAGES.notPercentEncoding });
      else if (inner.includes('\u0000')) found.push({ field: pathOf(node, root), message: MESSAGES.nul });
    } else if (typeof inner === 'object' && inner !== null) {
      if (node.depth > MAX_JSON_DEPTH) {
        found.push({ field: pathOf(node, root), message: MESSAGES.tooDeep });
        continue;
      }
      const depth = node.depth + 1;
      // Last pushed is walked first: pushed in reverse, the fields come out in the order of the document.
      if (Array.isArray(inner)) {
        for (let index = inner.length - 1; index >= 0; index--) stack.push({ value: inner[index], key: index, parent: node, depth });
      } else {
        const keys = Object.keys(inner);
        for (let index = keys.length - 1; index >= 0; index--) {
          const key = keys[index];
          stack.push({ value: (inner as Record<string, unknown>)[key], key, parent: node, depth, badKey: badKey(key) });
        }
      }
    }
  }
  return found;
}

interface JsonNode {
  value: unknown;
  /** The key or index naming this node in its parent; the path is made only for a node that is reported. */
  key: string | number;
  parent: JsonNode | undefined;
  /** 1 for the root; objects and lists deeper than MAX_JSON_DEPTH are refused. */
  depth: number;
  /** Why the key naming this node is refused, if it is. */
  badKey?: string;
}

/** `location.lat`, `shifts.0.start`; keys named by `nameOfKey`, so that the answer (and jsonb) can hold them. */
function pathOf(node: JsonNode, root: string): string {
  const keys: string[] = [];
  for (let at = node; at.parent !== undefined; at = at.parent) keys.push(typeof at.key === 'number' ? String(at.key) : nameOfKey(at.key));
  return keys.length === 0 ? root : keys.reverse().join('.');
}

/**
 * A key as an answer may name it: U+FFFD in place of what no answer can carry and PostgreSQL cannot store
 * (a lone surrogate, NUL). An answer is kept in jsonb for an Idempotency-Key replay, and jsonb refuses both:
 * a bulk import naming a key `a\u0000b` in its rejected lines was a 500.
 */
export function nameOfKey(key: string): string {
  return toWellFormed(key).replaceAll('\u0000', '\ufffd');
}

/** `String.prototype.isWellFormed` and `toWellFormed` (ES2024, in Node since 20), typed here while `lib` is ES2023. */
interface WellFormedText {
  isWellFormed(): boolean;
  toWellFormed(): string;
}
const isWellFormed = (text: string): boolean => (text as unknown as WellFormedText).isWellFormed();
const toWellFormed = (text: string): string => (text as unknown as WellFormedText).toWellFormed();

function badKey(key: string): string | undefined {
  if (!isWellFormed(key)) return MESSAGES.keyNotUnicode;
  if (key.includes('\u0000')) return MESSAGES.nul;
  return RESERVED_KEYS.has(key) ? MESSAGES.reserved : undefined;
}
