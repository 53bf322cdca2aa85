/** An HTTP header name (RFC 9110 token), optionally prefixed by `-` to remove it: a key of `proxy.headers`. */
export const HEADER_KEY_PATTERN = /^-?[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
