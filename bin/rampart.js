#!/usr/bin/env node
// The `rampart` command. The CLI is compiled to dist/ by `npm run build` (run by
// `npm install` through the prepare script).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('rampart: not built yet; run `npm run build` in the Rampart directory\n');
  process.exit(1);
}
const { main } = await import(entry.href);
// `start` keeps the process alive through its server; every other command ends when its
// work is done, with this exit code.
process.exitCode = await main(process.argv);
