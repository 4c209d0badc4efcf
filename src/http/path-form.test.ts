import { describe, expect, it } from 'vitest';
import { hasAmbiguousPath } from './path-form.js';

describe('hasAmbiguousPath', () => {
  it.each([
    '/api/public/../admin/x',
    '/api/public/./x',
    '/api/public/..',
    '/api/public/%2e%2e/admin/x',
    '/api/public/%2E%2e/admin/x',
    '/api/public/.%2e/admin/x',
    '/api/public/%2e/x',
    '/api/public/..%2fadmin/x',
    '/api/public/x%2Fy',
    '/api/public/x%5cy',
    '/api/public/..\\admin/x',
    '/api/public//x',
    '//api/x',
    '/api/public/../admin/x?q=1',
  ])('refuses %s', (url) => {
    expect(hasAmbiguousPath(url)).toBe(true);
  });

  it.each([
    '/v1/auth/whoami',
    '/ui/assets/index-3f2a.js',
    '/api/public/file.tar.gz',
    '/api/public/...',
    '/api/public/.well-known',
    '/api/public/x..y',
    '/api/public/%2e%2e%2e',
    '/api/public/a%20b',
    '/api/x?next=../../etc&path=a//b&s=%2f',
    '/',
  ])('accepts %s', (url) => {
    expect(hasAmbiguousPath(url)).toBe(false);
  });
});
