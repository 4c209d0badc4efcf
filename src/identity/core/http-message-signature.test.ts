import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  contentDigestField,
  contentDigestMatches,
  MessageSignatureError,
  parseMessageSignature,
  type SignedMessage,
  signatureBase,
  verifyHmacSha256,
} from './http-message-signature.js';

// RFC 9421 Appendix B.2 test request and B.2.5 (hmac-sha256 with "test-shared-secret").
const rfcRequest: SignedMessage = {
  method: 'POST',
  scheme: 'https',
  authority: 'example.com',
  path: '/foo',
  query: 'param=Value&Pet=dog',
  headers: {
    host: 'example.com',
    date: 'Tue, 20 Apr 2021 02:07:55 GMT',
    'content-type': 'application/json',
    'content-digest':
      'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    'content-length': '18',
  },
};
const rfcSharedSecret = Buffer.from(
  'uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==',
  'base64',
);
const b25Input =
  'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"';
const b25Signature = 'sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:';
const b25Base = [
  '"date": Tue, 20 Apr 2021 02:07:55 GMT',
  '"@authority": example.com',
  '"content-type": application/json',
  '"@signature-params": ("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
].join('\n');

describe('RFC 9421 HTTP message signatures (hmac-sha256)', () => {
  it('builds the signature base of RFC 9421 B.2.5 byte for byte and verifies its signature', () => {
    const parsed = parseMessageSignature(b25Input, b25Signature);
    expect(parsed.label).toBe('sig-b25');
    expect(parsed.params).toEqual({ created: 1618884473, keyid: 'test-shared-secret' });
    const base = signatureBase(rfcRequest, parsed);
    expect(base).toBe(b25Base);
    expect(verifyHmacSha256(base, rfcSharedSecret, parsed.signature)).toBe(true);
  });

  it('refuses the B.2.5 signature when one bit of it, of the key or of a covered field changes', () => {
    const parsed = parseMessageSignature(b25Input, b25Signature);
    const flipped = Buffer.from(parsed.signature);
    flipped[5] = (flipped[5] ?? 0) ^ 1;
    expect(verifyHmacSha256(signatureBase(rfcRequest, parsed), rfcSharedSecret, flipped)).toBe(
      false,
    );
    const otherKey = Buffer.from(rfcSharedSecret);
    otherKey[0] = (otherKey[0] ?? 0) ^ 1;
    expect(verifyHmacSha256(signatureBase(rfcRequest, parsed), otherKey, parsed.signature)).toBe(
      false,
    );
    const moved = { ...rfcRequest, authority: 'example.org' };
    expect(verifyHmacSha256(signatureBase(moved, parsed), rfcSharedSecret, parsed.signature)).toBe(
      false,
    );
    const truncated = parsed.signature.subarray(0, 16);
    expect(verifyHmacSha256(signatureBase(rfcRequest, parsed), rfcSharedSecret, truncated)).toBe(
      false,
    );
  });

  it('derives @method, @path, @query, @target-uri and @request-target from the request as sent', () => {
    const parsed = parseMessageSignature(
      'sig1=("@method" "@path" "@query" "@target-uri" "@request-target" "@scheme");created=1;keyid="k"',
      'sig1=:AAAA:',
    );
    expect(signatureBase(rfcRequest, parsed).split('\n').slice(0, 6)).toEqual([
      '"@method": POST',
      '"@path": /foo',
      '"@query": ?param=Value&Pet=dog',
      '"@target-uri": https://example.com/foo?param=Value&Pet=dog',
      '"@request-target": /foo?param=Value&Pet=dog',
      '"@scheme": https',
    ]);
    // RFC 9421 §2.2.7: an absent query is "?".
    expect(signatureBase({ ...rfcRequest, query: '' }, parsed).split('\n')[2]).toBe('"@query": ?');
  });

  it('picks the first signature with a keyid and refuses malformed or unsupported input', () => {
    const two = parseMessageSignature(
      'proxy=("@method");created=1, mine=("@method");created=2;keyid="k"',
      'proxy=:AAAA:, mine=:BBBB:',
    );
    expect(two.label).toBe('mine');
    const refused = (input: string, signature: string) => {
      expect(() => signatureBase(rfcRequest, parseMessageSignature(input, signature))).toThrow(
        MessageSignatureError,
      );
    };
    refused('sig1=("@method");created=1', 'sig1=:AAAA:'); // no keyid
    refused('sig1=("@method");keyid="k"', 'sig2=:AAAA:'); // no signature for the label
    refused('sig1=("@method");keyid="k"', 'sig1="text"'); // not a byte sequence
    refused('sig1=("@method";req);keyid="k"', 'sig1=:AAAA:'); // component parameters
    refused('sig1=("@status");keyid="k"', 'sig1=:AAAA:'); // a response component
    refused('sig1=("x-missing");keyid="k"', 'sig1=:AAAA:'); // an absent field
    refused('sig1=("@method" "@method");keyid="k"', 'sig1=:AAAA:'); // covered twice
    refused('sig1=("Date");keyid="k"', 'sig1=:AAAA:'); // not lowercase
    refused('sig1=("@method");keyid=1', 'sig1=:AAAA:'); // keyid not a string
    refused('sig1=(;', 'sig1=:AAAA:'); // not a structured field
  });

  it('checks Content-Digest (RFC 9530) against the body digest', () => {
    const body = '{"hello": "world"}';
    const hex = createHash('sha256').update(body).digest('hex');
    // RFC 9530 section 2's example value for this body.
    expect(contentDigestField(hex)).toBe('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
    expect(
      contentDigestMatches('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:', hex),
    ).toBe(true);
    expect(
      contentDigestMatches(
        'sha-512=:AAAA:, sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:',
        hex,
      ),
    ).toBe(true);
    expect(contentDigestMatches('sha-512=:AAAA:', hex)).toBe(false);
    expect(contentDigestMatches('sha-256=:AAAA:', hex)).toBe(false);
    expect(contentDigestMatches('garbage(', hex)).toBe(false);
  });
});
