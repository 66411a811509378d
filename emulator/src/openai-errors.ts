// Errors of the OpenAI-compatible surface (/v1beta/openai/): the native envelope wrapped in a JSON array,
// `[{"error": {code, message, status, details}}]`, as Gemini's compatibility layer answers in public client
// reports. The HTTP status stays the native one, which is what the OpenAI SDKs key their error classes on.

import { invalidArgument, type ApiError } from "./errors.ts";

/** The body of a native error in the compatibility layer's array form. */
export function compatErrorBody(error: ApiError): string {
  return `${JSON.stringify([JSON.parse(error.body)], null, 2)}\n`;
}

/** The frame of an error after a stream started: one SSE event whose data is the (unwrapped) envelope. */
export function compatStreamError(error: ApiError): string {
  return `data: ${JSON.stringify(JSON.parse(error.body))}\n\n`;
}

/** 400 INVALID_ARGUMENT with the message as its one field violation. */
export function compatBadRequest(message: string): ApiError {
  return invalidArgument(message, [{ description: message }]);
}

/** 400 for a top-level field the layer does not know, worded as the service words it. */
export function unknownField(name: string): ApiError {
  return compatBadRequest(`Invalid JSON payload received. Unknown name "${name}": Cannot find field.`);
}

/**
 * 404 for an unknown model, or one that does not serve the method. The compatibility layer names the
 * internal API version `v1main` rather than v1beta (a quirk visible in public client issues).
 */
export function compatModelNotFound(model: string, method: string): ApiError {
  const id = model.startsWith("models/") ? model : `models/${model}`;
  const message = `${id} is not found for API version v1main, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`;
  return {
    httpStatus: 404,
    status: "NOT_FOUND",
    message,
    body: `${JSON.stringify({ error: { code: 404, message, status: "NOT_FOUND" } }, null, 2)}\n`,
  };
}
