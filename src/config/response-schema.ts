import { Type } from 'typebox';

/**
 * The `detectors` and `responses` sections of the config schema (kept in their own file
 * so the detector list stays readable; schema.ts composes them).
 */

const Severity = Type.Union(
  [Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')],
  { description: 'Severity of the signal (low, medium, high, critical).' },
);

function detector(
  what: string,
  defaults: { threshold: number; window: number; severity: string; enabled?: boolean },
) {
  return Type.Object(
    {
      enabled: Type.Boolean({ default: defaults.enabled ?? true, description: `Detect ${what}.` }),
      threshold: Type.Integer({
        default: defaults.threshold,
        minimum: 1,
        maximum: 1_000_000,
        description: `Signal when ${what} reach this many within the window.`,
      }),
      window: Type.Integer({
        default: defaults.window,
        minimum: 1,
        maximum: 604_800,
        description: 'Sliding window in seconds (a signal fires at most once per window and key).',
      }),
      severity: { ...Severity, default: defaults.severity },
    },
    { default: {}, additionalProperties: false },
  );
}

export const weekdayNames = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** Detector names, in the order the config lists them. */
export const detectorNames = [
  'bruteForceIp',
  'bruteForceAccount',
  'stuffingIp',
  'stuffingAccount',
  'rateLimitAbuse',
  'replay',
  'privilegeEscalation',
  'sessionFingerprint',
  'refreshReuse',
  'leakedSecret',
  'offHoursAdmin',
] as const;
export type DetectorName = (typeof detectorNames)[number];

export const DetectorsConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description: 'Run the security detectors over the event bus.',
    }),
    bruteForceIp: detector('failed logins from one client network', {
      threshold: 50,
      window: 60,
      severity: 'high',
    }),
    bruteForceAccount: detector('failed logins on one account', {
      threshold: 10,
      window: 300,
      severity: 'medium',
    }),
    stuffingIp: detector('distinct accounts failing from one client network', {
      threshold: 20,
      window: 600,
      severity: 'high',
    }),
    stuffingAccount: detector('distinct client networks failing on one account', {
      threshold: 5,
      window: 600,
      severity: 'high',
    }),
    rateLimitAbuse: detector('rate-limit refusals of one client network', {
      threshold: 100,
      window: 60,
      severity: 'medium',
    }),
    replay: detector('replayed signed requests from one client network', {
      threshold: 3,
      window: 300,
      severity: 'high',
    }),
    privilegeEscalation: detector("one caller's denials on admin resources", {
      threshold: 5,
      window: 300,
      severity: 'high',
    }),
    sessionFingerprint: detector("fingerprint changes of one account's sessions", {
      threshold: 3,
      window: 3600,
      severity: 'medium',
    }),
    refreshReuse: detector('refresh-token reuses on one account', {
      threshold: 1,
      window: 3600,
      severity: 'critical',
    }),
    leakedSecret: detector('leaked secrets found by the scanner (per finding)', {
      threshold: 1,
      window: 86_400,
      severity: 'critical',
    }),
    offHoursAdmin: Type.Object(
      {
        enabled: Type.Boolean({
          default: false,
          description: 'Detect administrative operations outside business hours.',
        }),
        threshold: Type.Integer({
          default: 1,
          minimum: 1,
          maximum: 1_000_000,
          description: 'Signal when one actor makes this many off-hours admin operations.',
        }),
        window: Type.Integer({
          default: 3600,
          minimum: 1,
          maximum: 604_800,
          description: 'Sliding window in seconds.',
        }),
        severity: { ...Severity, default: 'medium' },
        startHour: Type.Integer({
          default: 8,
          minimum: 0,
          maximum: 23,
          description:
            'Business hours start (hour of day, inclusive) in detectors.offHoursAdmin.utcOffset.',
        }),
        endHour: Type.Integer({
          default: 19,
          minimum: 1,
          maximum: 24,
          description: 'Business hours end (hour of day, exclusive).',
        }),
        weekdays: Type.Array(Type.Union(weekdayNames.map((d) => Type.Literal(d))), {
          default: ['mon', 'tue', 'wed', 'thu', 'fri'],
          uniqueItems: true,
          description: 'Business days (sun, mon, tue, wed, thu, fri, sat).',
        }),
        utcOffset: Type.Integer({
          default: 0,
          minimum: -840,
          maximum: 840,
          description: 'Minutes east of UTC of the business-hours clock.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { default: {}, additionalProperties: false },
);

export const responseActionNames = [
  'ban_ip',
  'lock_account',
  'revoke_sessions',
  'revoke_api_keys',
  'require_mfa',
  'read_only',
  'notify',
] as const;
export type ResponseActionName = (typeof responseActionNames)[number];

const ActionName = Type.Union([
  Type.Literal('ban_ip'),
  Type.Literal('lock_account'),
  Type.Literal('revoke_sessions'),
  Type.Literal('revoke_api_keys'),
  Type.Literal('require_mfa'),
  Type.Literal('read_only'),
  Type.Literal('notify'),
]);

const Actions = (defaults: ResponseActionName[], what: string) =>
  Type.Array(ActionName, {
    default: defaults,
    uniqueItems: true,
    description: `Actions on a ${what} signal: ${responseActionNames.join(', ')}.`,
  });

export const ResponsesConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description: 'Act on detector signals with the actions in responses.actions.',
    }),
    dryRun: Type.Boolean({
      default: false,
      description:
        'Record and publish what each response would do (response.action.dry_run) without doing it.',
    }),
    neverBan: Type.Array(Type.String({ minLength: 1 }), {
      // Loopback: behind a reverse proxy that is not in network.trustedProxies every client
      // looks like 127.0.0.1, and one automated ban would lock everybody out.
      default: ['127.0.0.0/8', '::1/128'],
      description:
        'CIDRs automated responses never ban (besides network.allow and allow rules): operators, monitors, office networks. Loopback by default (a proxy missing from network.trustedProxies makes every client look local).',
    }),
    trustedOperators: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description:
        'Account ids or emails automated responses never lock, revoke or ban the address of.',
    }),
    banDuration: Type.Integer({
      default: 900,
      minimum: 1,
      maximum: 31_536_000,
      description: 'Seconds of a first automated ban.',
    }),
    banEscalation: Type.Integer({
      default: 4,
      minimum: 1,
      maximum: 100,
      description: 'Each repeat ban of the same network within a day lasts this many times longer.',
    }),
    maxBanDuration: Type.Integer({
      default: 604_800,
      minimum: 1,
      maximum: 31_536_000,
      description: 'Longest automated ban in seconds.',
    }),
    lockDuration: Type.Integer({
      default: 900,
      minimum: 1,
      maximum: 31_536_000,
      description: 'Seconds an automated account lock lasts.',
    }),
    actions: Type.Object(
      {
        bruteForceIp: Actions(['ban_ip', 'notify'], 'brute-force (per network)'),
        bruteForceAccount: Actions(['notify'], 'brute-force (per account)'),
        stuffingIp: Actions(['ban_ip', 'notify'], 'credential-stuffing (per network)'),
        stuffingAccount: Actions(['lock_account', 'notify'], 'credential-stuffing (per account)'),
        rateLimitAbuse: Actions(['ban_ip', 'notify'], 'rate-limit abuse'),
        replay: Actions(['ban_ip', 'notify'], 'replay'),
        privilegeEscalation: Actions(['notify'], 'privilege-escalation'),
        sessionFingerprint: Actions(['notify'], 'session fingerprint'),
        refreshReuse: Actions(['revoke_sessions', 'notify'], 'refresh-token reuse'),
        leakedSecret: Actions(['revoke_api_keys', 'notify'], 'leaked secret'),
        offHoursAdmin: Actions(['notify'], 'off-hours admin'),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { default: {}, additionalProperties: false },
);
