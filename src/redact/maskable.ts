/**
 * Which secret values are masked in output. Masking a value means replacing every occurrence of it in
 * everything gangway prints or records, so values that are too short or too common would garble ordinary
 * text (`1`, `true`, a port number, `info`) without protecting anything. The rule, also in the README:
 *
 * - shorter than 4 characters: not masked;
 * - only digits and shorter than 6 (ports, counts, small numbers): not masked;
 * - a boolean or null word (true, false, yes, no, on, off, null, none, enabled, disabled): not masked;
 * - a common non-secret setting (log levels, environment names, localhost, loopback addresses, UTC): not masked;
 * - everything else — whatever its key is called — is masked.
 * The rule judges the trimmed value, so a value and its trimmed form (both registered) get the same verdict.
 */
const COMMON = new Set([
  'true',
  'false',
  'yes',
  'no',
  'on',
  'off',
  'null',
  'none',
  'nil',
  'enabled',
  'disabled',
  'trace',
  'debug',
  'info',
  'notice',
  'warn',
  'warning',
  'error',
  'fatal',
  'critical',
  'dev',
  'development',
  'prod',
  'production',
  'stage',
  'staging',
  'test',
  'testing',
  'local',
  'localhost',
  '127.0.0.1',
  '0.0.0.0',
  '::1',
  'utc',
]);

export const MIN_MASKED_LENGTH = 4;

export function isMaskable(value: string): boolean {
  const v = value.trim();
  if (v.length < MIN_MASKED_LENGTH) return false;
  if (/^\d+$/.test(v) && v.length < 6) return false;
  return !COMMON.has(v.toLowerCase());
}
