import { defineErrors } from '../errors/rampart-error.js';

export const storageErrors = defineErrors({
  storage_unavailable: {
    status: 503,
    title: 'Storage unavailable',
    description: 'The database or hot-state store could not be reached. Retry later.',
  },
});
