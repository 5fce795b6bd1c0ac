/**
 * OpenAPI 3.0 to the JSON Schema ajv reads, for the tests that hold answers and requests to the served document
 * (openapi.e2e-spec.ts, the contract fuzzer): `nullable` becomes a null type, `$ref`s point into the document
 * (registered under DOCUMENT_ID by `documentSchemas`), and an object schema that lists its properties admits no
 * others, so the document must describe every field.
 */
type Schema = Record<string, unknown>;

export const DOCUMENT_ID = 'https://huigong.invalid/openapi.json';

function mapValues(record: object, fn: (value: unknown) => unknown): Schema {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fn(value)]));
}

export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') out.$ref = value.startsWith('#/') ? `${DOCUMENT_ID}${value}` : value;
    else if (key === 'properties' && value !== null && typeof value === 'object') out.properties = mapValues(value, toJsonSchema);
    else out[key] = toJsonSchema(value);
  }
  const combined = 'allOf' in out || 'oneOf' in out || 'anyOf' in out || '$ref' in out;
  if (out.properties !== undefined && out.additionalProperties === undefined && !combined) out.additionalProperties = false;
  if (out.nullable === true) {
    delete out.nullable;
    if (combined || typeof out.type !== 'string') return { anyOf: [out, { type: 'null' }] };
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
  }
  return out;
}

/** The document's component schemas as one JSON Schema, for `ajv.addSchema`, so `$ref`s resolve. */
export function documentSchemas(document: { components?: { schemas?: object } }): object {
  return { $id: DOCUMENT_ID, components: { schemas: mapValues(document.components?.schemas ?? {}, toJsonSchema) } };
}
