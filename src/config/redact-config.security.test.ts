/**
 * Attack: read a password out of the configuration Rampart shows (`config show`,
 * `config check --json`, GET /v1/admin/config). Every URL that carries a password has it
 * replaced, whatever its field is called: the gateway's upstream is not named like a URL,
 * yet `https://user:password@host` is a working upstream.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';
import { redactConfig } from './redact-config.js';

function withFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-redact-config-'));
  writeFileSync(join(dir, 'rampart.config.json'), JSON.stringify(content));
  return dir;
}

describe('the configuration as shown', () => {
  it('replaces the password of every URL, the gateway upstream included', () => {
    const passwords = ['upstream-pw-3c9e1a', 'webhook-pw-7d2f4b', 'health-pw-1e8a6c'];
    const cwd = withFile({
      gateway: { upstream: `https://gw:${passwords[0]}@api.internal.example.com` },
      alerts: {
        channels: [
          {
            name: 'hook',
            type: 'webhook',
            url: `https://hook:${passwords[1]}@hooks.example.com/rampart`,
            secret: 'webhook-signing-secret-0123456789',
          },
        ],
      },
      health: {
        checks: [{ type: 'http', name: 'api', url: `https://h:${passwords[2]}@up.example.com/` }],
      },
    });
    const { config } = loadConfig({ env: {}, cwd });
    const shown = redactConfig(config) as {
      gateway: { upstream: string };
      alerts: { channels: { url: string; secret: string }[] };
    };
    expect(shown.gateway.upstream).toBe('https://gw:%5Bredacted%5D@api.internal.example.com/');
    expect(shown.alerts.channels[0]?.url).toBe('https://hooks.example.com/[redacted]');
    expect(shown.alerts.channels[0]?.secret).toBe('[redacted]');
    const text = JSON.stringify(shown);
    for (const password of [...passwords, 'webhook-signing-secret-0123456789'])
      expect(text).not.toContain(password);
  });

  it('shows a notification channel URL as its origin: a Slack webhook path is its credential', () => {
    const slackPath = '/services/T0AAAAAAA/B0BBBBBBB/slackwebhooktoken1234abcd';
    const cwd = withFile({
      alerts: {
        channels: [
          { name: 'chat', type: 'slack', url: `https://hooks.slack.com${slackPath}` },
          {
            name: 'am',
            type: 'alertmanager',
            url: 'https://am.example.com/api/v2/alerts?token=am-query-token-5f1c',
          },
          { name: 'mail', type: 'email', to: ['ops@example.com'] },
        ],
      },
    });
    const { config } = loadConfig({ env: {}, cwd });
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).not.toContain('slackwebhooktoken1234abcd');
    expect(shown).not.toContain('am-query-token-5f1c');
    expect(shown).toContain('"url":"https://hooks.slack.com/[redacted]"');
    expect(shown).toContain('ops@example.com');
  });

  it('leaves an upstream without credentials as it is', () => {
    const cwd = withFile({ gateway: { upstream: 'https://api.internal.example.com' } });
    const { config } = loadConfig({ env: {}, cwd });
    expect((redactConfig(config) as { gateway: { upstream: string } }).gateway.upstream).toBe(
      'https://api.internal.example.com',
    );
  });
});
