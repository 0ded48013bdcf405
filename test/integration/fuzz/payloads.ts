// Seeded payloads for the contract fuzz suite: for each operation, values built from
// its input schema (via JSON Schema) that are valid, or broken in one place, plus
// plain junk. Same seed, same payloads, so a failure replays exactly.
import { z } from 'zod';
import { Rng as ProjectRng } from '../../../src-main/ml/random';

export type Rng = () => number;

/** The project's mulberry32: the same sequence on every machine. */
export function seeded(seed: number): Rng {
  const random = new ProjectRng(seed);
  return () => random.next();
}

const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  prefixItems?: Schema[];
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  default?: unknown;
  $ref?: string;
  $defs?: Record<string, Schema>;
};

export function jsonSchemaOf(schema: z.ZodType): Schema {
  return z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as Schema;
}

/** Values no schema here accepts as a whole, in JSON-able and JS-only (IPC structured clone) forms. */
export function junk(rng: Rng, jsonOnly: boolean): unknown {
  const deep = (n: number): unknown => (n === 0 ? 1 : [deep(n - 1)]);
  const pool: (() => unknown)[] = [
    () => null,
    () => true,
    () => 0,
    () => -1,
    () => 1e308,
    () => '',
    () => 'x'.repeat(int(rng, 1, 200_000)),
    () => '\u0000\uD800\u202E<script>alert(1)</script>',
    () => [],
    () => [1, 'two', null],
    () => deep(int(rng, 10, 2000)),
    () => JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}'),
    () => ({ toString: 'x', valueOf: 1, hasOwnProperty: null }),
    () => Object.fromEntries(Array.from({ length: int(rng, 1, 300) }, (_, i) => [`k${i}`, i])),
  ];
  if (!jsonOnly) {
    pool.push(
      () => NaN,
      () => Infinity,
      () => undefined,
      () => 10n,
      () => new Date(0),
      () => new Map([[1, 2]]),
      () => new Uint8Array(16),
      () => Object.create(null),
    );
  }
  return pick(rng, pool)();
}

function resolveRef(root: Schema, s: Schema): Schema {
  if (!s.$ref) return s;
  const name = s.$ref.split('/').pop()!;
  return root.$defs?.[name] ?? {};
}

/** A value the schema (probably) accepts: refinements it cannot express may still refuse it. */
export function validFor(root: Schema, s0: Schema, rng: Rng, depth = 0): unknown {
  const s = resolveRef(root, s0);
  if (s.const !== undefined) return s.const;
  if (s.enum) return pick(rng, s.enum);
  const branches = s.anyOf ?? s.oneOf;
  if (branches) return validFor(root, pick(rng, branches), rng, depth + 1);
  if (s.allOf?.length) return validFor(root, s.allOf[0]!, rng, depth + 1);
  const type = Array.isArray(s.type) ? pick(rng, s.type) : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, prop] of Object.entries(s.properties ?? {})) {
        if ((s.required ?? []).includes(key) || (depth < 4 && rng() < 0.5)) out[key] = validFor(root, prop, rng, depth + 1);
      }
      return out;
    }
    case 'array': {
      const min = s.minItems ?? 0;
      const max = Math.min(s.maxItems ?? min + 3, min + 3);
      if (s.prefixItems) return s.prefixItems.map((p) => validFor(root, p, rng, depth + 1));
      return Array.from({ length: int(rng, min, max) }, () => validFor(root, s.items ?? {}, rng, depth + 1));
    }
    case 'integer':
    case 'number': {
      const lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + (type === 'integer' ? 1 : 1e-3) : -5);
      const hi = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - (type === 'integer' ? 1 : 1e-3) : 50);
      // Small values first: ids 1–4 name real rows of the fixture project.
      const candidates = [lo, Math.min(hi, Math.max(lo, 1)), Math.min(hi, Math.max(lo, int(rng, 1, 4))), hi].filter((v) => v >= lo && v <= hi);
      const v = rng() < 0.8 ? pick(rng, candidates) : lo + rng() * (Math.min(hi, lo + 1e6) - lo);
      return type === 'integer' ? Math.round(v) : v;
    }
    case 'string': {
      if (s.pattern?.includes('#')) return pick(rng, ['#ffffff', '#12ab9f', '#000000']);
      const min = s.minLength ?? 0;
      const max = Math.min(s.maxLength ?? 24, 40);
      const words = ['red', 'blue', 'cat', 'smileys-emotion', 'winter', 'seed:4', 'n:2', 'a b', 'é', '🙂'];
      let text = pick(rng, words);
      while (text.length < min) text += 'x';
      return text.slice(0, Math.max(min, max));
    }
    case 'boolean':
      return rng() < 0.5;
    case 'null':
      return null;
    default:
      return junk(rng, true);
  }
}

/** A value broken in one place: a wrong type, a bound crossed, a key missing or unknown. */
export function brokenFor(root: Schema, s0: Schema, rng: Rng, jsonOnly: boolean, depth = 0): unknown {
  const s = resolveRef(root, s0);
  const roll = rng();
  if (roll < 0.15 || depth > 5) return junk(rng, jsonOnly);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (s.enum || s.const !== undefined) return pick(rng, ['not-a-choice', 7, '', 'DCGAN', null]);
  const branches = s.anyOf ?? s.oneOf;
  if (branches) return brokenFor(root, pick(rng, branches), rng, jsonOnly, depth + 1);
  switch (type) {
    case 'object': {
      const out = validFor(root, s, rng, depth) as Record<string, unknown>;
      const keys = Object.keys(s.properties ?? {});
      const how = rng();
      if (how < 0.2 || keys.length === 0) {
        // An own key, as JSON.parse and IPC make it (plain assignment to __proto__ would set the prototype).
        const key = pick(rng, ['shell', '__proto__', 'constructor', 'path', '']);
        Object.defineProperty(out, key, { value: pick(rng, ['rm -rf /', { polluted: true }, 1]), enumerable: true, configurable: true, writable: true });
      } else if (how < 0.35 && (s.required ?? []).length > 0) delete out[pick(rng, s.required!)];
      else {
        const key = pick(rng, keys);
        out[key] = brokenFor(root, s.properties![key]!, rng, jsonOnly, depth + 1);
      }
      return out;
    }
    case 'array': {
      const how = rng();
      if (how < 0.3 && (s.minItems ?? 0) > 0) return [];
      if (how < 0.5 && s.maxItems !== undefined && s.maxItems <= 2000)
        return Array.from({ length: s.maxItems + 1 }, () => validFor(root, s.items ?? {}, rng, depth + 1));
      const arr = validFor(root, s, rng, depth) as unknown[];
      arr.push(brokenFor(root, s.items ?? {}, rng, jsonOnly, depth + 1));
      return arr;
    }
    case 'integer':
    case 'number': {
      const options: unknown[] = ['1', -1e9, 2 ** 53 + 2, 1e308, -0.5];
      if (type === 'integer') options.push(1.5, 0.0001);
      if (s.minimum !== undefined) options.push(s.minimum - (type === 'integer' ? 1 : 0.01));
      if (s.exclusiveMinimum !== undefined) options.push(s.exclusiveMinimum);
      if (s.maximum !== undefined) options.push(s.maximum + (type === 'integer' ? 1 : 0.01));
      if (!jsonOnly) options.push(NaN, Infinity, -Infinity);
      return pick(rng, options);
    }
    case 'string': {
      const options: unknown[] = [42, null, ['a'], { text: 'a' }];
      if ((s.minLength ?? 0) > 0) options.push('');
      if (s.maxLength !== undefined) options.push('y'.repeat(s.maxLength + 1), 'z'.repeat(s.maxLength * 50 + 1));
      if (s.pattern) options.push('not matching \n\t\u0000');
      return pick(rng, options);
    }
    case 'boolean':
      return pick(rng, ['true', 1, 0, null]);
    default:
      return junk(rng, jsonOnly);
  }
}
