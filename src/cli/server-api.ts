// A call to a running server's /api/v1 with an operator API token, for the CLI's server commands: the
// answer's JSON, or an error carrying the server's own message.
export async function callServerApi<T>(server: string, token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.replace(/\/+$/, '')}/api/v1${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) {
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { error: { message: string } }).error.message;
    } catch { /* not our error body: show the text */ }
    throw new Error(`the server answered ${response.status}: ${message}`);
  }
  return JSON.parse(text) as T;
}
