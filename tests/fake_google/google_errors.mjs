// Google RPC error bodies as Code Assist and Google OAuth send them (shapes from upstream-code-assist.md §4.6, §7).

export const CODE_STATUS = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND',
  409: 'ABORTED', 429: 'RESOURCE_EXHAUSTED', 499: 'CANCELLED', 500: 'INTERNAL', 501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED',
};

export function google_error(code, message, { status, details } = {}) {
  const error = { code, message, status: status || CODE_STATUS[code] || 'UNKNOWN' };
  if (details && details.length) error.details = details;
  return { error };
}

export const error_info = (reason, domain, metadata) => ({
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain, ...(metadata ? { metadata } : {}),
});
export const retry_info = (retryDelay) => ({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay });
export const bad_request = (violations) => ({
  '@type': 'type.googleapis.com/google.rpc.BadRequest',
  fieldViolations: violations.map(({ field, description }) => ({ field, description })),
});
export const help = (links) => ({ '@type': 'type.googleapis.com/google.rpc.Help', links });

export const unauthenticated = () => google_error(401,
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid '
  + 'authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
  { details: [error_info('ACCESS_TOKEN_TYPE_UNSUPPORTED', 'googleapis.com', { service: 'cloudcode-pa.googleapis.com', method: 'google.internal.cloud.code.v1internal.CloudCode.GenerateContent' })] });

export const invalid_argument = (message, violations) =>
  google_error(400, message, { details: violations && violations.length ? [bad_request(violations)] : undefined });

export const model_not_found = () => google_error(404, 'Requested entity was not found.');

export const project_denied = (project) => google_error(403, `Permission denied on resource project ${project}.`, {
  details: [error_info('CONSUMER_INVALID', 'googleapis.com', { service: 'cloudaicompanion.googleapis.com', consumer: `projects/${project}` })],
});

// The per-minute rate limit body (gemini-cli googleQuotaErrors.test.ts fixture, §7.2).
export const rate_limited = (model = 'gemini-2.5-pro', retryDelay = '0.539477544s') => google_error(429,
  'You have exhausted your capacity on this model. Your quota will reset after 0s.', {
    details: [
      error_info('RATE_LIMIT_EXCEEDED', 'cloudcode-pa.googleapis.com', { uiMessage: 'true', model, quotaResetDelay: '539.477544ms', quotaResetTimeStamp: '2025-10-20T19:14:08Z' }),
      retry_info(retryDelay),
    ],
  });

// The daily quota body (claude-relay-service #746 capture, §7.2).
export const quota_exhausted = (model = 'gemini-3-pro-preview', retryDelay = '21599.960323804s') => google_error(429,
  'You have exhausted your capacity on this model. Your quota will reset after 5h59m59s.', {
    status: 'RESOURCE_EXHAUSTED',
    details: [
      error_info('QUOTA_EXHAUSTED', 'cloudcode-pa.googleapis.com', { uiMessage: 'true', model, quotaResetDelay: '5h59m59.960323804s', quotaResetTimeStamp: '2025-12-03T07:45:40Z' }),
      retry_info(retryDelay),
    ],
  });

// Server capacity (gcli2api #313; also seen as 503 UNAVAILABLE).
export const capacity_exhausted = (model = 'gemini-3-pro-preview', code = 429) => google_error(code,
  `No capacity available for model ${model} on the server`, {
    details: [error_info('MODEL_CAPACITY_EXHAUSTED', 'cloudcode-pa.googleapis.com', { model })],
  });

export const validation_required_error = (url) => google_error(403, 'Validation required to continue.', {
  details: [
    error_info('VALIDATION_REQUIRED', 'cloudcode-pa.googleapis.com', { validation_link: url }),
    help([{ description: 'Verify your account', url }, { description: 'Learn more', url: 'https://support.google.com/gemini' }]),
  ],
});

// The Gemini 3 missing-signature message (sipeed/picoclaw #79, §9.4).
export const missing_signature = (name, position) => google_error(400,
  `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, `
  + `and missing thought_signature may lead to degraded model performance. Additional data, function call \`${name}\` , `
  + `position ${position}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`);

export const corrupted_signature = () => google_error(400, 'Corrupted thought signature.');

// OAuth token endpoint errors are the flat RFC 6749 shape, not the RPC shape.
export const oauth_error = (error, error_description) => ({ error, error_description });
