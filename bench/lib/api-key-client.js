/**
 * The client's side of the API-key scenarios' setup, shared by api-key and
 * api-key-breakdown: log in as the bench account, issue a key, call whoami with it once.
 */

export async function expectJson(response, what) {
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

export async function issueKey(rampart) {
  const login = await expectJson(
    await fetch(`${rampart.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: rampart.info.email, password: rampart.info.password }),
    }),
    'login',
  );
  const issued = await expectJson(
    await fetch(`${rampart.url}/v1/api-keys`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${login.access_token}`,
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
