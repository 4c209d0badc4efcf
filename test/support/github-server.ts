import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A GitHub account as the stub serves it. */
export interface GitHubTestUser {
  login: string;
  id: number;
  name: string | null;
  emails: {
    email: string;
    primary: boolean;
    verified: boolean;
    visibility: 'public' | 'private' | null;
  }[];
}

export interface GitHubTestServer {
  /** Base URL for both the web endpoints (/login/oauth/…) and the REST API (/user…). */
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Requests the token endpoint received (form fields), for assertions. */
  readonly tokenRequests: Record<string, string>[];
  /** Approves the authorization URL as `login`: the callback URL GitHub would redirect to. */
  authorize(authorizationUrl: string, login: string): URL;
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A local HTTP server answering GitHub's OAuth token endpoint, GET /user and GET
 * /user/emails with the response shapes GitHub documents (including a token error that
 * comes back as 200 with an `error` member, as GitHub does).
 */
export async function startGitHubServer(users: GitHubTestUser[]): Promise<GitHubTestServer> {
  const clientId = 'Iv1.testclient';
  const clientSecret = 'a-github-client-secret-for-tests';
  const codes = new Map<string, { login: string; redirectUri: string }>();
  const tokens = new Map<string, string>();
  const tokenRequests: Record<string, string>[] = [];
  const byLogin = new Map(users.map((u) => [u.login, u]));

  const server = createServer((req, res) => {
    const json = (status: number, body: unknown): void => {
      res
        .writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
        .end(JSON.stringify(body));
    };
    void (async (): Promise<void> => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
        const form = Object.fromEntries(new URLSearchParams(await bodyOf(req)));
        tokenRequests.push(form);
        const grant = form.code ? codes.get(form.code) : undefined;
        if (form.code) codes.delete(form.code);
        if (form.client_id !== clientId || form.client_secret !== clientSecret)
          return json(200, {
            error: 'incorrect_client_credentials',
            error_description: 'The client_id and/or client_secret passed are incorrect.',
          });
        if (!grant || grant.redirectUri !== form.redirect_uri)
          return json(200, {
            error: 'bad_verification_code',
            error_description: 'The code passed is incorrect or expired.',
          });
        const token = `gho_${randomBytes(18).toString('hex')}`;
        tokens.set(token, grant.login);
        return json(200, {
          access_token: token,
          token_type: 'bearer',
          scope: 'read:user,user:email',
        });
      }
      const auth = req.headers.authorization ?? '';
      const login = tokens.get(auth.replace(/^(Bearer|token) /, ''));
      const user = login ? byLogin.get(login) : undefined;
      if (url.pathname === '/user' || url.pathname === '/user/emails') {
        if (!user)
          return json(401, {
            message: 'Bad credentials',
            documentation_url: 'https://docs.github.com/rest',
          });
        if (url.pathname === '/user/emails') return json(200, user.emails);
        const publicEmail = user.emails.find((e) => e.visibility === 'public')?.email ?? null;
        return json(200, {
          login: user.login,
          id: user.id,
          node_id: `MDQ6VXNlcj${user.id}`,
          avatar_url: `https://avatars.example/u/${user.id}`,
          type: 'User',
          site_admin: false,
          name: user.name,
          email: publicEmail,
        });
      }
      json(404, { message: 'Not Found' });
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    clientId,
    clientSecret,
    tokenRequests,
    authorize(authorizationUrl, login) {
      const q = new URL(authorizationUrl).searchParams;
      const code = randomBytes(10).toString('hex');
      const redirectUri = q.get('redirect_uri') ?? '';
      codes.set(code, { login, redirectUri });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      return back;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
