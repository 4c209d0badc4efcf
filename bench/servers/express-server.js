import { createPublicKey } from 'node:crypto';
import { once } from 'node:events';
import express from 'express';
import helmet from 'helmet';
import jwt from 'jsonwebtoken';
import { serveFromParent } from '../lib/server-child.js';

/**
 * The usual Express stack: express + helmet + a bearer middleware that verifies the
 * token with jsonwebtoken against Rampart's public key (a JWK from Rampart's JWKS,
 * imported as a KeyObject). It returns the JSON body it was given; no logger.
 */
serveFromParent(async ({ body, jwk, issuer, audience }) => {
  const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
  const app = express();
  app.use(helmet());

  function requireToken(req, res, next) {
    const [scheme, token] = (req.headers.authorization ?? '').split(' ');
    if (scheme !== 'Bearer' || !token) {
      res.status(401).json({ error: 'unauthorized' });
      return;
    }
    try {
      req.user = jwt.verify(token, publicKey, { algorithms: [jwk.alg], issuer, audience });
    } catch {
      res.status(401).json({ error: 'invalid_token' });
      return;
    }
    next();
  }

  app.get('/v1/me', requireToken, (_req, res) => {
    res.json(body);
  });

  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
});
