/** One of ajv's validation errors, as Fastify passes them to a schemaErrorFormatter. */
export interface ValidationIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly message?: string;
  readonly params: Record<string, unknown>;
}

/**
 * A 400's message that names the field: `body/spec/epoch is not a known field`,
 * `body/spec/neg must be one of random, fixed, adaptive`, `querystring/limit must be <= 100`.
 */
export function validationMessage(errors: readonly ValidationIssue[], dataVar: string): string {
  const first = errors[0];
  if (!first) return `${dataVar} is invalid`;
  const path = `${dataVar}${first.instancePath}`;
  if (first.keyword === 'additionalProperties') return `${path}/${String(first.params['additionalProperty'])} is not a known field`;
  if (first.keyword === 'required') return `${path}/${String(first.params['missingProperty'])} is required`;
  const allowed = first.params['allowedValues'];
  if (first.keyword === 'enum' && Array.isArray(allowed)) return `${path} must be one of ${allowed.join(', ')}`;
  return `${path} ${first.message ?? 'is invalid'}`;
}
