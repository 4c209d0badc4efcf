import { defineErrors } from '../errors/rampart-error.js';

export const httpErrors = defineErrors({
  bad_request: {
    status: 400,
    title: 'Bad request',
    description: 'The request could not be understood (malformed URL, headers or framing).',
  },
  validation_failed: {
    status: 400,
    title: 'Validation failed',
    description:
      'The body, query, path parameters or headers do not match the schema of this endpoint. `errors` lists each problem.',
  },
  invalid_json: {
    status: 400,
    title: 'Invalid JSON',
    description: 'The body is not valid JSON, or is empty while declared as JSON.',
  },
  forbidden_json_key: {
    status: 400,
    title: 'Forbidden JSON key',
    description:
      'The body contains a __proto__ or constructor key, which could alter object prototypes.',
  },
  json_too_deep: {
    status: 400,
    title: 'JSON nested too deeply',
    description:
      'The body nests objects or arrays deeper than http.maxJsonDepth (32 by default); no endpoint needs that.',
  },
  nul_character: {
    status: 400,
    title: 'NUL character',
    description:
      'The URL (`%00`) or a JSON string (`\\u0000`) contains the NUL character U+0000. No field accepts it, and databases and the systems behind them read it as the end of a string, so it is refused everywhere.',
  },
  ambiguous_path: {
    status: 400,
    title: 'Ambiguous path',
    description:
      'The path contains a dot segment (`.` or `..`, also as `%2e`), an encoded slash or backslash (`%2f`, `%5c`), a backslash or an empty segment (`//`). Servers and proxies resolve these differently, so the request could reach another route than the one that authorized it: send the path in its plain form.',
  },
  duplicate_query_parameter: {
    status: 400,
    title: 'Duplicate query parameter',
    description:
      'A query parameter appears more than once. Parsers disagree on which copy wins (HTTP parameter pollution), so repeats are refused: send each once.',
  },
  invalid_url: {
    status: 400,
    title: 'Invalid URL',
    description:
      'The path contains a percent-encoding that does not decode to UTF-8 text (`%ff`, a lone `%`).',
  },
  path_segment_too_long: {
    status: 414,
    title: 'Path segment too long',
    description:
      'A path parameter is longer than 256 characters; no identifier or name here is that long.',
  },
  request_timeout: {
    status: 408,
    title: 'Request timeout',
    description: 'The request was not received completely within http.requestTimeout.',
  },
  headers_too_large: {
    status: 431,
    title: 'Request headers too large',
    description: 'The request headers exceed http.maxHeaderSize (16 KiB by default).',
  },
  not_found: {
    status: 404,
    title: 'Not found',
    description: 'No resource exists at this path.',
  },
  method_not_allowed: {
    status: 405,
    title: 'Method not allowed',
    description:
      'The path exists but does not accept this method; the Allow header lists the methods it does.',
  },
  payload_too_large: {
    status: 413,
    title: 'Payload too large',
    description: 'The request body exceeds the configured limit (1 MiB by default).',
  },
  unsupported_media_type: {
    status: 415,
    title: 'Unsupported media type',
    description: 'This endpoint accepts application/json only.',
  },
  service_unavailable: {
    status: 503,
    title: 'Service unavailable',
    description: 'The server is shutting down or not ready. Retry on another node or later.',
  },
  internal_error: {
    status: 500,
    title: 'Internal error',
    description:
      'Something failed inside Rampart. The request id identifies the failure in the server logs.',
  },
});
