import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago. For tests that must know their own URL before
 * listening (the JWT issuer and the JWKS address are derived from it).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}
