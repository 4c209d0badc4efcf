import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigReference } from '../config/config-reference.js';
import { renderErrorReference } from './error-reference.js';
import { errorRegistry } from './registry.js';

const docsUrl = new URL('../../docs/', import.meta.url);

describe('the error catalogue', () => {
  it('has unique lower_snake_case codes with a 4xx or 5xx status, a title and a description', () => {
    for (const [code, def] of errorRegistry) {
      expect(code).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(def.code).toBe(code);
      expect(def.status).toBeGreaterThanOrEqual(400);
      expect(def.status).toBeLessThan(600);
      expect(def.title.length).toBeGreaterThan(0);
      expect(def.description.length).toBeGreaterThan(10);
    }
  });

  it('matches docs/errors.md in both directions', () => {
    const doc = readFileSync(new URL('errors.md', docsUrl), 'utf8');
    expect(doc, 'run npm run build && node scripts/generate-reference.mjs').toBe(
      renderErrorReference(),
    );
    const documented = new Set([...doc.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]));
    expect(documented).toEqual(new Set(errorRegistry.keys()));
  });

  it('docs/configuration.md matches the schema', () => {
    const doc = readFileSync(new URL('configuration.md', docsUrl), 'utf8');
    expect(doc, 'run npm run build && node scripts/generate-reference.mjs').toBe(
      renderConfigReference(),
    );
  });
});
