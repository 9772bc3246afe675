// The error responses of the OpenAPI document: one named response per status, with an example body,
// and which statuses agent routes, admin routes and routes with a body can answer.

import type { Json } from "./openapi-operations.js";
import { MAX_BODY_BYTES } from "./rest/json-body.js";

export const ERROR_RESPONSES: Readonly<Record<string, { name: string; description: string; example: Json }>> =
  {
    "400": {
      name: "BadRequest",
      description: "The request is invalid; `details` names each offending field. Nothing was changed.",
      example: {
        error: "bad_request",
        message: "Invalid create_booking input: title: title must not be empty.",
        details: [{ field: "title", message: "title must not be empty" }],
      },
    },
    "401": {
      name: "Unauthorized",
      description: "Missing, malformed, unknown, revoked or expired key, or a disabled agent.",
      example: { error: "unauthorized", message: "Unknown API key; ask the owner for a new one." },
    },
    "403": {
      name: "Forbidden",
      description: "The caller lacks a scope, or may not act on that owner.",
      example: {
        error: "forbidden",
        message: "Agent agt_... lacks the scope preempt needed for preempt; ask the owner to grant it.",
      },
    },
    "404": {
      name: "NotFound",
      description: "No such owner, calendar, hold, booking, agent or key that the caller can see.",
      example: {
        error: "not_found",
        message: "No booking bkg_... that you can see.",
        details: [{ field: "booking_id", message: "no such booking" }],
      },
    },
    "409": {
      name: "Conflict",
      description:
        "The Idempotency-Key was used for a different request (`idempotency_key_reused`), the object exists, or the hold to confirm is no longer active (`conflict`).",
      example: {
        error: "idempotency_key_reused",
        message:
          'Idempotency key "k1" was already used for a different request; use a new key for a new request.',
      },
    },
    "413": {
      name: "PayloadTooLarge",
      description: `The body is larger than ${MAX_BODY_BYTES} bytes.`,
      example: {
        error: "payload_too_large",
        message: "The request body is larger than 1 MiB; no Openavail request needs that much.",
      },
    },
    "415": {
      name: "UnsupportedMediaType",
      description: "The body is not JSON (send Content-Type: application/json).",
      example: {
        error: "unsupported_media_type",
        message: "Request bodies must be JSON: send Content-Type: application/json.",
      },
    },
    "429": {
      name: "RateLimited",
      description: "The key's rate limit is reached; retry after `retry_after` seconds.",
      example: {
        error: "rate_limited",
        message: "Rate limit of 120 requests per 60 s reached for this API key; retry in 12 s.",
        retry_after: 12,
      },
    },
    "500": {
      name: "Internal",
      description: "An internal error; the request was not applied.",
      example: {
        error: "internal",
        message: "Openavail hit an internal error; the request was not applied. Try again.",
      },
    },
  };

export const AGENT_ERRORS = ["400", "401", "403", "404", "409", "429", "500"];
export const ADMIN_ERRORS = ["400", "401", "403", "404", "409", "500"];
export const BODY_ERRORS = ["413", "415"];
