/*
 * Attack: credentials reach the log files, where they outlive every rotation of the
 * secret and are read by whoever has access to log storage (backups, a log shipper, a
 * support engineer). A developer logs an object holding a token or password at any depth,
 * or a string with an API key or JWT inside; none of it may be written to the file in
 * clear, whatever the pluggable redactor does. The same holds for a child logger's
 * bindings (`child({ sessionToken })`, `setBindings`), which pino serialises once when the
 * child is made and never hands to the log formatter.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { registerRequestLogging } from '../http/request-logging.js';
import { createLogger, openLogger, setLogRedactor } from './logger.js';
import { registerLogContext, requestLoggerFactory } from './logging/log-context.js';
import { openLogDestination } from './logging/log-destinations.js';
import { redactSensitive } from './logging/log-redaction.js';
import { RequestLogger } from './logging/request-logger.js';

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
          ssh: { keyPassphrase: 'pp-value-6', db_passwd: 'pw-value-7' },
          keys: { masterKey: 'mk-value-8', private_key: 'pk-value-9', credentials: 'cr-value-10' },
          mfa: { recovery_codes: ['rc-value-11'], otpauthUrl: 'otpauth://totp/x?secret=ou-12' },
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
      'pp-value-6',
      'pw-value-7',
      'mk-value-8',
      'pk-value-9',
      'cr-value-10',
      'rc-value-11',
      'ou-12',
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

describe('child logger bindings', () => {
  // Keys outside pino's explicit paths, so only the scrub can catch them.
  const secrets = {
    sessionToken: 'st-value-10',
    privateKey: 'pk-value-11',
    'db-password': 'pw-value-12',
  };
  const shaped = { note: `issued ${jwt}`, owner: `owner of ${apiKey}` };

  function memoryLines(): {
    write: (chunk: string) => void;
    lines: () => Record<string, unknown>[];
  } {
    const chunks: string[] = [];
    return {
      write: (chunk) => void chunks.push(chunk),
      lines: () =>
        chunks
          .join('')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>),
    };
  }

  function expectScrubbed(line: Record<string, unknown> | undefined): void {
    expect(line).toMatchObject({
      sessionToken: '[redacted]',
      privateKey: '[redacted]',
      'db-password': '[redacted]',
      note: 'issued [redacted]',
      owner: 'owner of [redacted]',
    });
  }

  it('never writes a secret bound to a child, by key or by shape, in clear', () => {
    const sink = memoryLines();
    const logger = createLogger({ level: 'info', destination: sink });
    const child = logger.child({ sessionToken: secrets.sessionToken, ...shaped });
    child.info('bound at creation');
    child.setBindings({ privateKey: secrets.privateKey });
    // A grandchild with options: pino takes another path to make it.
    const grandchild = child.child({ 'db-password': secrets['db-password'] }, { level: 'info' });
    grandchild.info('bound later and below');
    const text = JSON.stringify(sink.lines());
    for (const secret of [...Object.values(secrets), apiKey, jwt]) {
      expect(text).not.toContain(secret);
    }
    expect(sink.lines()[0]).toMatchObject({
      sessionToken: '[redacted]',
      note: 'issued [redacted]',
      owner: 'owner of [redacted]',
      msg: 'bound at creation',
    });
    expectScrubbed(sink.lines()[1]);
  });

  it('runs the pluggable redactor on bindings too, as on lines', () => {
    const sink = memoryLines();
    const logger = createLogger({ level: 'info', destination: sink });
    // The classification registry is plugged in after the logger exists.
    setLogRedactor(logger, (line) => ('ssn' in line ? { ...line, ssn: '[classified]' } : line));
    const child = logger.child({ ssn: '123-45-6789' });
    child.info('bound at creation');
    child.setBindings({ ssn: '987-65-4321' });
    child.info('bound later');
    const text = JSON.stringify(sink.lines());
    expect(text).not.toContain('123-45-6789');
    expect(text).not.toContain('987-65-4321');
    expect(sink.lines().map((l) => l.ssn)).toEqual(['[classified]', '[classified]']);
  });

  it("never writes a secret bound to a request's logger in clear, on its handler lines", async () => {
    const sink = memoryLines();
    const app = Fastify({
      loggerInstance: createLogger({ level: 'info', destination: sink }),
      logController: new LogController({ disableRequestLogging: true }),
      childLoggerFactory: requestLoggerFactory,
    }) as unknown as FastifyInstance;
    registerLogContext(app);
    // The request line, written when the response is done: through the same child.
    registerRequestLogging(app);
    app.get('/bound', async (request) => {
      const log = request.log;
      if (!(log instanceof RequestLogger)) throw new Error('not a request logger');
      // Before the request's pino child exists: kept as fields until the first line.
      log.setBindings({ sessionToken: secrets.sessionToken, note: shaped.note });
      log.info('first handler line');
      // After: on the pino child itself, and on a child of it.
      log.setBindings({ privateKey: secrets.privateKey, owner: shaped.owner });
      log.child({ 'db-password': secrets['db-password'] }).info('nested handler line');
      return { ok: true };
    });
    try {
      const res = await app.inject({ method: 'GET', url: '/bound' });
      expect(res.statusCode).toBe(200);
    } finally {
      await app.close();
    }
    const text = JSON.stringify(sink.lines());
    for (const secret of [...Object.values(secrets), apiKey, jwt]) {
      expect(text).not.toContain(secret);
    }
    const lines = sink.lines();
    expect(lines.find((l) => l.msg === 'first handler line')).toMatchObject({
      resource: '/bound',
      sessionToken: '[redacted]',
      note: 'issued [redacted]',
    });
    expectScrubbed(lines.find((l) => l.msg === 'nested handler line'));
    expect(lines.find((l) => l.msg === 'request')).toMatchObject({
      status: 200,
      sessionToken: '[redacted]',
      privateKey: '[redacted]',
      owner: 'owner of [redacted]',
    });
  });
});
