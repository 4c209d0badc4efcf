/*
 * Attack: credentials reach the log files, where they outlive every rotation of the
 * secret and are read by whoever has access to log storage (backups, a log shipper, a
 * support engineer). A developer logs an object holding a token or password at any depth,
 * or a string with an API key or JWT inside; none of it may be written to the file in
 * clear, whatever the pluggable redactor does.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, openLogger, setLogRedactor } from './logger.js';
import { openLogDestination } from './logging/log-destinations.js';
import { redactSensitive } from './logging/log-redaction.js';

const dir = mkdtempSync(join(tmpdir(), 'rampart-redact-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const apiKey = `rmp_prod_${'A1b2C3d4E5'.repeat(4)}abc_0aBcDe`;
const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl';

async function writeAndRead(
  lines: (logger: ReturnType<typeof createLogger>) => void,
  redact?: (o: Record<string, unknown>) => Record<string, unknown>,
): Promise<string> {
  const path = join(dir, `${Math.random().toString(36).slice(2)}`, 'rampart.log');
  const opened = await openLogger(
    { level: 'trace', stdout: false, file: { path, maxSize: 10_485_760, maxFiles: 2 } },
    redact ? { redact } : {},
  );
  lines(opened.logger);
  await opened.close();
  return readFileSync(path.replace(/\.log$/, '.1.log'), 'utf8');
}

describe('log redaction', () => {
  it('never writes a secret of a logged object to the file, at any depth', async () => {
    const text = await writeAndRead((logger) => {
      logger.info(
        {
          password: 'hunter2-top',
          details: {
            config: { client_secret: 'cs-value-1', refreshToken: 'rt-value-2' },
            headers: [{ Authorization: 'Bearer opaque-value-3' }, { cookie: 'sid=value-4' }],
          },
          note: `key ${apiKey} and token ${jwt}`,
          'x-api-key': 'raw-key-value-5',
        },
        'something happened',
      );
    });
    for (const secret of [
      'hunter2-top',
      'cs-value-1',
      'rt-value-2',
      'opaque-value-3',
      'value-4',
      'raw-key-value-5',
      apiKey,
      jwt,
    ]) {
      expect(text).not.toContain(secret);
    }
    const line = JSON.parse(text.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({
      password: '[redacted]',
      note: 'key [redacted] and token [redacted]',
      msg: 'something happened',
    });
  });

  it('runs the pluggable redactor, and the default one after it even if the redactor lets a secret through', async () => {
    const text = await writeAndRead(
      (logger) => logger.info({ email: 'ada@example.com', token: 'tok-value-6' }, 'classified'),
      // A classification registry that masks personal data but returns the token untouched.
      (line) => ('email' in line ? { ...line, email: '[personal]' } : line),
    );
    expect(text).not.toContain('ada@example.com');
    expect(text).not.toContain('tok-value-6');
    expect(JSON.parse(text.trim())).toMatchObject({ email: '[personal]', token: '[redacted]' });
  });

  it('does not change the object the caller logged', () => {
    const logged = { nested: { secret: 's' }, list: [{ token: 't' }] };
    const out = redactSensitive(logged);
    expect(out).toEqual({ nested: { secret: '[redacted]' }, list: [{ token: '[redacted]' }] });
    expect(logged).toEqual({ nested: { secret: 's' }, list: [{ token: 't' }] });
    const plain = { a: 1, b: { c: 'd' } };
    expect(redactSensitive(plain)).toBe(plain);
  });

  it('keeps the API key prefix that identifies a key, which is not a credential', async () => {
    const dest = await openLogDestination({
      level: 'info',
      stdout: false,
      file: { path: join(dir, 'prefix', 'rampart.log'), maxSize: 1_048_576, maxFiles: 1 },
    });
    const logger = createLogger({ level: 'info', destination: dest.stream });
    logger.info({ keyPrefix: 'rmp_dev_3kTq9Zx' }, 'key used');
    await dest.close();
    expect(readFileSync(join(dir, 'prefix', 'rampart.1.log'), 'utf8')).toContain('rmp_dev_3kTq9Zx');
  });
});

describe('the redactor seam', () => {
  it('takes a redactor plugged in after the logger was created, for the children too', async () => {
    const dest = await openLogDestination({
      level: 'info',
      stdout: false,
      file: { path: join(dir, 'seam', 'rampart.log'), maxSize: 1_048_576, maxFiles: 1 },
    });
    const logger = createLogger({ level: 'info', destination: dest.stream });
    const child = logger.child({ reqId: 'r1' });
    expect(setLogRedactor(logger, (line) => ({ ...line, ssn: '[classified]' }))).toBe(true);
    child.info({ ssn: '123-45-6789', password: 'pw-value-7' }, 'after');
    setLogRedactor(logger, undefined);
    child.info({ ssn: 'visible-again' }, 'removed');
    await dest.close();
    const text = readFileSync(join(dir, 'seam', 'rampart.1.log'), 'utf8');
    expect(text).not.toContain('123-45-6789');
    expect(text).not.toContain('pw-value-7');
    expect(text).toContain('visible-again');
  });

  it('reports a logger it cannot reach', () => {
    expect(setLogRedactor(pino(), () => ({}))).toBe(false);
  });
});
