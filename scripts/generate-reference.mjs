// Regenerates docs/configuration.md and docs/errors.md from the compiled schema and error
// catalogues. Run after `npm run build`: node scripts/generate-reference.mjs
import { writeFileSync } from 'node:fs';
import { renderConfigReference } from '../dist/config/config-reference.js';
import { renderErrorReference } from '../dist/errors/error-reference.js';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigReference());
writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorReference());
console.log('wrote docs/configuration.md and docs/errors.md');
