// The HTTP helper set of the in-process tests (app.inject): read an answer that must succeed, act as
// another person, and check a refusal by its status, stable code and the field it names.
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestApp } from './app.ts';

type Answer = Promise<LightMyRequestResponse> | LightMyRequestResponse;

/** The error body every 4xx carries (see the error catalogue). */
export interface ApiError { code: string; message: string; field?: string; [more: string]: unknown }

/** The JSON body of an answer that must have `status` (200 by default); another status fails the test, showing the body. */
export async function ok<T = unknown>(res: Answer, status = 200): Promise<T> {
  const answer = await res;
  expect(answer.statusCode, answer.body).toBe(status);
  return answer.json<T>();
}

/**
 * Checks a refusal: its `status` and, where given, its stable `code` and the `field` it names. Gives the
 * error for what else a test reads (its message, its parameters).
 */
export async function expectError(res: Answer, status = 400, code?: string, field?: string): Promise<ApiError> {
  const answer = await res;
  expect(answer.statusCode, answer.body).toBe(status);
  const { error } = answer.json<{ error: ApiError }>();
  if (code !== undefined) expect(error.code, answer.body).toBe(code);
  if (field !== undefined) expect(error.field, answer.body).toBe(field);
  return error;
}

/** Requests to the app as the holder of `token` (a user's API token), where `t.api` uses the admin's. */
export function as(t: Pick<TestApp, 'app'>, token: string) {
  return (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => t.app.inject({
    method: method as 'GET', url, headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(body !== undefined && { payload: JSON.stringify(body) }),
  });
}
