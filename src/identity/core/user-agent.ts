import { UAParser } from 'ua-parser-js';

export interface ClientDescription {
  browser: string | null;
  os: string | null;
  device: string | null;
}

// Parsing runs a few hundred regexes; clients send the same handful of strings again and
// again (every refresh of a session), so results are remembered, boundedly.
const parsed = new Map<string, ClientDescription>();
const maxRemembered = 1000;

/** Browser, OS and device of a User-Agent header, for the sessions list and fingerprints. */
export function describeUserAgent(userAgent: string | null | undefined): ClientDescription {
  if (!userAgent) return { browser: null, os: null, device: null };
  const key = userAgent.slice(0, 512);
  const known = parsed.get(key);
  if (known) return known;
  const r = new UAParser(key).getResult();
  const device =
    [r.device.vendor, r.device.model].filter(Boolean).join(' ') || r.device.type || 'desktop';
  const description: ClientDescription = Object.freeze({
    browser: r.browser.name ?? null,
    os: r.os.name ?? null,
    device,
  });
  if (parsed.size >= maxRemembered) parsed.clear();
  parsed.set(key, description);
  return description;
}

/**
 * The user-agent family: browser and OS names without versions, so an update of the
 * browser is not a different client but a stolen token used from curl is.
 */
export function userAgentFamily(userAgent: string | null | undefined): string {
  const d = describeUserAgent(userAgent);
  return `${d.browser ?? 'unknown'}/${d.os ?? 'unknown'}`;
}
