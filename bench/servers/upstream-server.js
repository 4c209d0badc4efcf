import { createServer } from 'node:http';
import { serveFromParent } from '../lib/server-child.js';

/**
 * The API behind the proxies: plain node:http answering every request with one fixed JSON
 * body, so that the upstream costs as little as possible and the proxies' own cost shows.
 */
serveFromParent(async ({ body }) => {
  const bytes = Buffer.from(JSON.stringify(body));
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length });
      res.end(bytes);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
});
