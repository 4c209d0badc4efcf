import { defineErrors } from '../errors/rampart-error.js';

/** The audit trail's error codes. */
export const auditErrors = defineErrors({
  audit_invalid_cursor: {
    status: 400,
    title: 'Invalid cursor',
    description:
      'The cursor is not one this server issued, or it was issued for another order. Start again without a cursor.',
  },
  audit_chain_empty: {
    status: 409,
    title: 'Audit trail empty',
    description: 'There is no audit record yet, so there is nothing to checkpoint.',
  },
});
