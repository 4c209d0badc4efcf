import { defineErrors } from '../../errors/rampart-error.js';

/** Error codes of automated responses, incidents and the security report. */
export const responseErrors = defineErrors({
  read_only_mode: {
    status: 503,
    title: 'Read-only mode',
    description:
      'An automated response or an operator put Rampart in read-only mode: unsafe methods are refused until an administrator turns it off (DELETE /v1/admin/read-only or rampart readonly off).',
  },
  response_not_found: {
    status: 404,
    title: 'Response action not found',
    description: 'No automated response action has this id.',
  },
  response_not_revertible: {
    status: 409,
    title: 'Response action cannot be reverted',
    description:
      'The action was not executed (dry run, skipped or failed), or it was reverted already.',
  },
  response_not_reversible: {
    status: 409,
    title: 'Response action is irreversible',
    description:
      'Revoked sessions, refresh tokens and API keys cannot be restored; the owner signs in or is issued a key again.',
  },
  incident_not_found: {
    status: 404,
    title: 'Incident not found',
    description: 'No incident has this id.',
  },
  incident_transition_invalid: {
    status: 409,
    title: 'Incident status change not allowed',
    description:
      'Incidents move forward only: open → acknowledged → contained → resolved (steps may be skipped; resolved is final).',
  },
  report_range_invalid: {
    status: 400,
    title: 'Report period invalid',
    description: 'from must be before to, and the period at most 366 days.',
  },
});
