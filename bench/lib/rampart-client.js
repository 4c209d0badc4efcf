/**
 * The client's side of the scenarios' setup against a Rampart bench server: log in as the
 * bench account, and for the API-key scenarios (and bench/tools/instructions-per-request.js)
 * issue a key and call whoami with it once.
 */

export async function expectJson(response, what) {
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

/** Logs in as the bench account; resolves with the access token. */
export async function logIn(rampart) {
  const body = await expectJson(
    await fetch(`${rampart.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: rampart.info.email, password: rampart.info.password }),
    }),
    'login',
  );
  return body.access_token;
}

export async function issueKey(rampart) {
  const accessToken = await logIn(rampart);
  const issued = await expectJson(
    await fetch(`${rampart.url}/v1/api-keys`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${accessToken}`,
      },
      body: JSON.stringify({ name: 'bench', scopes: ['apikeys:read'] }),
    }),
    'POST /v1/api-keys',
  );
  const body = await expectJson(
    await fetch(`${rampart.url}/v1/auth/whoami`, {
      headers: { authorization: `Bearer ${issued.key}` },
    }),
    'GET /v1/auth/whoami',
  );
  if (body.kind !== 'api_key') throw new Error('whoami did not authenticate the API key');
  return { key: issued.key, body };
}
