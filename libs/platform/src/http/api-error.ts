import { STATUS_CODES } from 'node:http';

/** One bad field of a request: `{field: "location.lat", message: "must be between -90 and 90"}`. */
export interface FieldError {
  field: string;
  message: string;
}

/** The one JSON shape of every error this API returns. */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: FieldError[];
  /** A stable name for a conflict a client acts on (`occurrence_full`); absent on most errors. */
  code?: string;
}

export function apiErrorBody(statusCode: number, message: string, details?: FieldError[], code?: string): ApiErrorBody {
  const body: ApiErrorBody = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
  if (details !== undefined) body.details = details;
  if (code !== undefined) body.code = code;
  return body;
}
