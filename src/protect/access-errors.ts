import { defineErrors } from '../errors/rampart-error.js';

/** Errors of IP rules and bans. */
export const accessErrors = defineErrors({
  ip_blocked: {
    status: 403,
    title: 'Address blocked',
    description:
      'Requests from your network are refused by a deny rule or a ban. If this is a mistake, contact the operator of this service.',
  },
  ip_allowlisted: {
    status: 409,
    title: 'Address allowlisted',
    description:
      'The address is covered by an allow rule (network.allow or an allow rule), which no ban or deny rule can override; remove that rule first.',
  },
  invalid_ip: {
    status: 400,
    title: 'Invalid address',
    description: 'The value is not an IPv4 or IPv6 address, or not a CIDR such as 203.0.113.0/24.',
  },
  ip_rule_not_found: {
    status: 404,
    title: 'IP rule not found',
    description: 'No live IP rule or ban has this id.',
  },
});
