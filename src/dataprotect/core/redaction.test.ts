import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { redactConfig } from '../../config/redact-config.js';
import { createLogger } from '../../monitor/logger.js';
import {
  type ClassificationRule,
  compileClassification,
  defaultClassification,
  defaultClassificationMatcher,
} from './classification.js';
import {
  createRedactor,
  hashValue,
  maskEmail,
  maskPartial,
  redactedText,
  redactForLog,
} from './redaction.js';

const rule = (path: string, handling: ClassificationRule['handling']): ClassificationRule => ({
  path,
  sensitivity: 'CONFIDENTIAL',
  handling,
});

describe('handlings', () => {
  it('redacts secrets whatever their type', () => {
    expect(redactForLog({ password: 'hunter2', token: { a: 1 }, secret: 42 })).toEqual({
      password: redactedText,
      token: redactedText,
      secret: redactedText,
    });
  });

  it('masks an email to its first letter and domain', () => {
    expect(maskEmail('ada.lovelace@example.com')).toBe('a***@example.com');
    expect(redactForLog({ email: 'ada@example.com' })).toEqual({ email: 'a***@example.com' });
    expect(maskEmail('no-at-sign-here')).toBe('no***re');
  });

  it('masks partially: IPv4 to its /16, IPv6 to three groups, text to its ends', () => {
    expect(maskPartial('203.0.113.7')).toBe('203.0.x.x');
    expect(maskPartial('2001:db8:85a3::8a2e:370:7334')).toBe('2001:db8:85a3:x:x:x:x:x');
    expect(maskPartial('+44 20 7946 0958')).toBe('+4***58');
    expect(maskPartial('short')).toBe('***');
  });

  it('hashes stably, keyed when a key is given', () => {
    const key = Buffer.alloc(32, 7);
    const redact = createRedactor({
      matcher: compileClassification([rule('**.customer', 'hash')]),
      hashKey: key,
    });
    const a = redact({ customer: 'c_123' });
    expect(a.customer).toBe(redact({ customer: 'c_123' }).customer);
    expect(a.customer).toBe(hashValue('c_123', key));
    expect(a.customer).not.toBe(hashValue('c_123'));
    expect(a.customer).toMatch(/^hash:[A-Za-z0-9_-]{22}$/);
  });

  it('leaves fields with handling none and unknown fields alone', () => {
    const input = { ip: '203.0.113.7', reason: 'wrong password', count: 3 };
    expect(redactForLog(input)).toBe(input);
  });
});

describe('paths and wildcards', () => {
  it('matches names ignoring case, underscores and dashes', () => {
    expect(
      redactForLog({ refreshToken: 'a', 'Set-Cookie': 'b', X_API_KEY: 'c', apiKeyId: 'k1' }),
    ).toEqual({
      refreshToken: redactedText,
      'Set-Cookie': redactedText,
      X_API_KEY: redactedText,
      apiKeyId: 'k1',
    });
  });

  it('finds fields at any depth and inside arrays', () => {
    const out = redactForLog({
      details: { nested: [{ email: 'x@y.org', ok: 1 }, 'plain'] },
      headers: { authorization: 'Bearer abc' },
    });
    expect(out).toEqual({
      details: { nested: [{ email: 'x***@y.org', ok: 1 }, 'plain'] },
      headers: { authorization: redactedText },
    });
  });

  it('matches * for one level and ** for any, anchored at the root', () => {
    const m = compileClassification([
      rule('details.*.card', 'redact'),
      rule('profile.**.iban', 'mask_partial'),
    ]);
    expect(m.classify(['details', 'payment', 'card'])?.handling).toBe('redact');
    expect(m.classify(['details', 'card'])).toBeUndefined();
    expect(m.classify(['other', 'payment', 'card'])).toBeUndefined();
    expect(m.classify(['profile', 'iban'])?.handling).toBe('mask_partial');
    expect(m.classify(['profile', 'a', 'b', 'iban'])?.handling).toBe('mask_partial');
  });

  it('lets configured rules, listed first, override the defaults', () => {
    const m = compileClassification([rule('**.ip', 'mask_partial'), ...defaultClassification]);
    const redact = createRedactor({ matcher: m });
    expect(redact({ actor: { ip: '198.51.100.20' } })).toEqual({ actor: { ip: '198.51.x.x' } });
    expect(defaultClassificationMatcher.classify(['ip'])?.handling).toBe('none');
  });

  it('lets an earlier rule win over a later pattern that also matches the field', () => {
    const m = compileClassification([
      rule('**.password', 'redact'),
      rule('form.*', 'none'),
      ...defaultClassification,
    ]);
    const redact = createRedactor({ matcher: m });
    expect(redact({ form: { password: 'hunter2', name: 'Ada' } })).toEqual({
      form: { password: '[redacted]', name: 'Ada' },
    });
  });

  it('never changes its input and returns it as is when nothing matched', () => {
    const input = { a: { b: [{ c: 1 }] } };
    expect(redactForLog(input)).toBe(input);
    const secretInput = { a: { password: 'p' } };
    const out = redactForLog(secretInput);
    expect(secretInput.a.password).toBe('p');
    expect(out).not.toBe(secretInput);
  });

  it('cuts pathological nesting', () => {
    let deep: Record<string, unknown> = { password: 'p' };
    for (let i = 0; i < 50; i++) deep = { d: deep };
    expect(JSON.stringify(redactForLog(deep))).not.toContain('"p"');
  });
});

describe('where redaction applies', () => {
  it('redacts logged security events by classification', () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk: Buffer, _enc, cb) {
          lines.push(chunk.toString());
          cb();
        },
      }),
    });
    logger.info(
      { event: { type: 'x', details: { clientSecret: 's3cr3t', email: 'ada@example.com' } } },
      'security event',
    );
    const text = lines.join('');
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('ada@example.com');
    expect(text).toContain('a***@example.com');
  });

  it('applies configured rules to logged events exactly once', () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      redact: createRedactor({
        matcher: compileClassification([
          { path: '**.ip', sensitivity: 'CONFIDENTIAL', handling: 'mask_partial' },
          ...defaultClassification,
        ]),
      }),
      destination: new Writable({
        write(chunk: Buffer, _enc, cb) {
          lines.push(chunk.toString());
          cb();
        },
      }),
    });
    logger.info({ event: { actor: { ip: '203.0.113.7' } } }, 'security event');
    expect(JSON.parse(lines[0] ?? '{}').event).toEqual({ actor: { ip: '203.0.x.x' } });
  });

  it('redacts every secret in rampart config show, including configured ones', () => {
    const masterKey = randomBytes(32).toString('base64');
    const { config } = loadConfig({
      env: {},
      noFile: true,
      overrides: {
        masterKey,
        dataProtection: {
          classification: [{ path: 'publicUrl', sensitivity: 'SECRET', handling: 'redact' }],
        },
        publicUrl: 'http://internal-name.example:8080',
        mail: { transport: 'smtp', smtpUrl: 'smtp://mailer:pw-in-url@127.0.0.1:2525' },
      },
    } as never);
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).not.toContain('pw-in-url');
    expect(JSON.parse(shown).publicUrl).toBe(redactedText);
    expect(shown).not.toContain(masterKey);
  });
});
