import { UAParser } from 'ua-parser-js';

export interface ClientDescription {
  browser: string | null;
  os: string | null;
  device: string | null;
}

/** Browser, OS and device of a User-Agent header, for the sessions list and fingerprints. */
export function describeUserAgent(userAgent: string | null | undefined): ClientDescription {
  if (!userAgent) return { browser: null, os: null, device: null };
  const r = new UAParser(userAgent.slice(0, 512)).getResult();
  const device =
    [r.device.vendor, r.device.model].filter(Boolean).join(' ') || r.device.type || 'desktop';
  return { browser: r.browser.name ?? null, os: r.os.name ?? null, device };
}

/**
 * The user-agent family: browser and OS names without versions, so an update of the
 * browser is not a different client but a stolen token used from curl is.
 */
export function userAgentFamily(userAgent: string | null | undefined): string {
  const d = describeUserAgent(userAgent);
  return `${d.browser ?? 'unknown'}/${d.os ?? 'unknown'}`;
}
