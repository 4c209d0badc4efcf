import { defineErrors } from '../errors/rampart-error.js';

/** The monitor capability's error codes. */
export const monitorErrors = defineErrors({
  metrics_unauthorized: {
    status: 401,
    title: 'Metrics token required',
    description:
      'GET /metrics needs the scrape token configured in metrics.token, sent as Authorization: Bearer <token>.',
  },
});

/** The alert manager's error codes (rules, channels, silences, history). */
export const alertErrors = defineErrors({
  alert_rule_invalid: {
    status: 400,
    title: 'Invalid alert rule',
    description:
      'The rule is not valid (see `errors`): exactly one of metric and signal, a known metric, signal labels among detector/severity/key, known channels.',
  },
  alert_rule_not_found: {
    status: 404,
    title: 'Alert rule not found',
    description: 'No alert rule has this id.',
  },
  alert_rule_name_taken: {
    status: 409,
    title: 'Alert rule name taken',
    description: 'Another rule (from the config file or the API) already has this name.',
  },
  alert_rule_read_only: {
    status: 409,
    title: 'Alert rule from the config file',
    description: 'Rules from the config file change only in the config file.',
  },
  alert_channel_invalid: {
    status: 400,
    title: 'Invalid alert channel',
    description:
      'The channel settings do not fit its type (see `errors`), e.g. a webhook without a secret of at least 16 characters or a URL that is not http(s).',
  },
  alert_channel_not_found: {
    status: 404,
    title: 'Alert channel not found',
    description: 'No alert channel has this id.',
  },
  alert_channel_name_taken: {
    status: 409,
    title: 'Alert channel name taken',
    description: 'Another channel (from the config file or the API) already has this name.',
  },
  alert_channel_read_only: {
    status: 409,
    title: 'Alert channel from the config file',
    description: 'Channels from the config file change only in the config file.',
  },
  alert_channel_in_use: {
    status: 409,
    title: 'Alert channel in use',
    description: 'Rules still notify this channel (see `rules`); change them first.',
  },
  alert_silence_invalid: {
    status: 400,
    title: 'Invalid silence',
    description:
      'The silence is not valid (see `errors`): endsAt after startsAt, at least one matcher, regular expressions that compile.',
  },
  alert_silence_not_found: {
    status: 404,
    title: 'Silence not found',
    description: 'No silence has this id.',
  },
  alert_invalid_cursor: {
    status: 400,
    title: 'Invalid cursor',
    description: 'The cursor is not one this server issued. Start again without a cursor.',
  },
});
