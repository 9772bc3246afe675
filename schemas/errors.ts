// The one error object every transport returns (DESIGN.md section 6).
import { z } from "zod";

export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  idempotency_key_reused: 409,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
} as const;
export type ErrorType = keyof typeof ERROR_STATUS;

export const ErrorDetail = z.object({
  field: z.string().describe("Dotted path of the offending input field, or empty for the whole request."),
  message: z.string().describe("What was expected."),
});
export type ErrorDetail = z.infer<typeof ErrorDetail>;

export const ErrorBody = z.object({
  error: z.enum(Object.keys(ERROR_STATUS) as [ErrorType, ...ErrorType[]]),
  message: z.string().describe("A sentence a person can act on."),
  details: z.array(ErrorDetail).optional(),
  retry_after: z.number().int().optional().describe("Seconds to wait before retrying (rate_limited only)."),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
