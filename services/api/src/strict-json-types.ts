import type { ApiApp } from './app-types.js';

/** The parts of a JSON Schema the type check follows (the API's bodies use no others). */
interface SchemaNode {
  readonly type?: unknown;
  readonly properties?: Record<string, SchemaNode>;
  readonly items?: SchemaNode;
}

const jsonTypeOf = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/**
 * Where `value` (a parsed JSON body) has another JSON type than `schema` asks for, as
 * a 400 message in the validator's words (`body/inputs/0/3 must be number`), or null.
 * Fastify's validator coerces types so that query strings can carry numbers; in a body
 * that would turn `"12"` into 12, `null` into 0 and `true` into 1, so bodies are checked
 * before it sees them: a JSON body says what type it means.
 */
export function jsonTypeMismatch(schema: SchemaNode, value: unknown, path = 'body'): string | null {
  const { type } = schema;
  const actual = jsonTypeOf(value);
  if (typeof type === 'string' && actual !== (type === 'integer' ? 'number' : type)) return `${path} must be ${type}`;
  if (actual === 'array' && schema.items) {
    const items = value as unknown[];
    for (let i = 0; i < items.length; i++) {
      const found = jsonTypeMismatch(schema.items, items[i], `${path}/${i}`);
      if (found) return found;
    }
  }
  if (actual === 'object' && schema.properties) {
    for (const [key, child] of Object.entries(schema.properties)) {
      if (!Object.hasOwn(value as object, key)) continue;
      const found = jsonTypeMismatch(child, (value as Record<string, unknown>)[key], `${path}/${key}`);
      if (found) return found;
    }
  }
  return null;
}

/** Refuses (400) a body whose JSON types differ from its route's body schema, before validation can coerce them. */
export function registerStrictBodyTypes(app: ApiApp): void {
  app.addHook('preValidation', (request, _reply, done) => {
    const schema = request.routeOptions.schema?.body as SchemaNode | undefined;
    const mismatch = schema && request.body !== undefined ? jsonTypeMismatch(schema, request.body) : null;
    done(mismatch ? Object.assign(new Error(mismatch), { statusCode: 400 }) : undefined);
  });
}
