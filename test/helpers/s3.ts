/**
 * The test environment's S3 server (scripts/test-env.sh start_s3: moto on 0.0.0.0:GANGWAY_TEST_S3_PORT), spoken to
 * over its HTTP API with AWS Signature V4 — the tests' own view of a bucket, independent of rclone.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv } from './testenv.js';

const REGION = 'us-east-1';
const KEY_ID = 'gangway-test-admin';
const SECRET = 'gangway-test-admin-secret';

export function s3Port(): number {
  if (process.env.GANGWAY_TEST_S3_PORT) return Number(process.env.GANGWAY_TEST_S3_PORT);
  const vars = readFileSync(join(testEnv().dir, 'env'), 'utf8');
  return Number(/^GANGWAY_TEST_S3_PORT=(\d+)$/m.exec(vars)?.[1] ?? 5010);
}

/** The log the S3 server writes (its request lines). */
export function s3Log(): string {
  return readFileSync(join(testEnv().dir, 's3.log'), 'utf8');
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
/** RFC 3986 encoding, as SigV4 wants it (`/` kept in paths). */
const encode = (s: string, slash = false) =>
  encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, slash ? '/' : '%2F');

export interface S3Answer {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** One signed request: `path` is `/bucket[/key]`, `query` its parameters. */
export async function s3(
  method: 'GET' | 'PUT' | 'HEAD' | 'DELETE',
  path: string,
  options: { query?: Record<string, string>; body?: Buffer } = {},
): Promise<S3Answer> {
  const host = `127.0.0.1:${s3Port()}`;
  const now = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = now.slice(0, 8);
  const body = options.body ?? Buffer.alloc(0);
  const payload = sha256(body);
  const query = Object.entries(options.query ?? {})
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .sort()
    .join('&');
  const uri = encode(path, true);
  const signed = 'host;x-amz-content-sha256;x-amz-date';
  const canonical = [method, uri, query, `host:${host}`, `x-amz-content-sha256:${payload}`, `x-amz-date:${now}`, '']
    .concat([signed, payload])
    .join('\n');
  const scope = `${day}/${REGION}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', now, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${SECRET}`, day), REGION), 's3'), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  const r = await fetch(`http://${host}${uri}${query ? `?${query}` : ''}`, {
    method,
    headers: {
      'x-amz-content-sha256': payload,
      'x-amz-date': now,
      authorization: `AWS4-HMAC-SHA256 Credential=${KEY_ID}/${scope}, SignedHeaders=${signed}, Signature=${signature}`,
    },
    ...(method === 'PUT' && { body: new Uint8Array(body) }),
  });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

/** The keys under `prefix` in `bucket` (ListObjectsV2). */
export async function s3Keys(bucket: string, prefix: string): Promise<string[]> {
  const r = await s3('GET', `/${bucket}`, { query: { 'list-type': '2', prefix } });
  if (r.status !== 200) throw new Error(`listing ${bucket}: HTTP ${r.status} ${r.body.toString()}`);
  return [...r.body.toString().matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]!);
}

export const sha256Hex = sha256;
