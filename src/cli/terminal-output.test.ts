import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeErr, writeOut } from './terminal-output.js';

/**
 * A config file, an argument or a RAMPART_* variable echoed in a message could rewrite
 * the operator's terminal with ESC sequences or reorder it with bidi overrides. Every
 * write of the CLI goes through writeOut/writeErr, which escape them.
 */
describe('the CLI output', () => {
  afterEach(() => vi.restoreAllMocks());

  it('escapes control and bidi characters on stdout and stderr, keeping line breaks', () => {
    const out = vi.spyOn(process.stdout, 'write').mockReturnValue(true);
    const err = vi.spyOn(process.stderr, 'write').mockReturnValue(true);
    writeOut('wrote \u001b]0;owned\u0007.yaml\n\tnext\n');
    writeErr('rampart: --file \u202eevil\u009b2J: cannot be read\n');
    expect(out).toHaveBeenCalledWith('wrote \\u001b]0;owned\\u0007.yaml\n\tnext\n');
    expect(err).toHaveBeenCalledWith('rampart: --file \\u202eevil\\u009b2J: cannot be read\n');
  });

  it('is the only way to stdout and stderr in src/cli', () => {
    const dir = fileURLToPath(new URL('.', import.meta.url));
    const raw = /process\.std(out|err)\.write|\bconsole\.|(\.std(out|err)|\bout)\.write\(/;
    const offenders = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'terminal-output.ts')
      .filter((f) => raw.test(readFileSync(`${dir}/${f}`, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
